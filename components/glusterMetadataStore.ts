import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as k8s from "@pulumi/kubernetes";
import { renderGlusterUserData } from "../lib/cloudinit/gluster";
import { NameContext, resourceName } from "../lib/naming";
import { UBUNTU_IMAGE } from "./ingress";
import { MetadataStore } from "./metadataStore";
import { etcdClaimName, postgresClaimName } from "./pachyderm/names";

/** Azure exposes the data disk at LUN 0 under this stable path (udev rules of the Azure Linux agent). */
export const BRICK_DEVICE = "/dev/disk/azure/scsi1/lun0";

export interface GlusterMetadataStoreArgs {
    names: NameContext;
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tags: Record<string, string>;
    /** [] = no zone pinning; otherwise node i goes to zones[i % zones.length]. */
    zones: string[];
    protect: boolean;
    locks: boolean;
    subnetId: pulumi.Input<string>;
    /** Static addresses of the three nodes, node 0 first (it forms the volume). */
    nodeIps: string[];
    /** Frontend of the internal load balancer: the one address Kubernetes mounts. */
    clientIp: string;
    vmSize: string;
    brickDiskSizeGb: number;
    volumeName: string;
    adminUsername: string;
    sshPublicKey: string;
    namespace: string;
    etcdReplicas: number;
    etcdDiskSizeGb: number;
    postgresInCluster: boolean;
    postgresDiskSizeGb: number;
    /** Outbound-only pool of the public load balancer: apt egress without a public IP on the nodes. */
    outboundBackendPoolId?: pulumi.Input<string>;
}

/**
 * The GlusterFS kind of metadata store: three VMs (one per zone) with a brick data disk each,
 * bootstrapped by cloud-init into a replica-3 volume served over NFSv4 by NFS-Ganesha, behind an
 * internal load balancer; etcd and in-cluster PostgreSQL get static `nfs` PersistentVolumes on it.
 * Trade-offs against managed disks: docs/glusterfs.md.
 */
export class GlusterMetadataStore extends pulumi.ComponentResource implements MetadataStore {
    public readonly kind = "glusterfs" as const;
    public readonly etcdVolumeNames: pulumi.Output<string>[] = [];
    public readonly postgresVolumeName?: pulumi.Output<string>;
    public readonly volumes: pulumi.Resource[] = [];
    public readonly address: pulumi.Output<string>;
    public readonly brickDisks: compute.Disk[] = [];
    public readonly vms: compute.VirtualMachine[] = [];
    public readonly loadBalancer: network.LoadBalancer;

    constructor(name: string, args: GlusterMetadataStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:metadata:GlusterMetadataStore", name, {}, opts);
        if (args.nodeIps.length !== 3) throw new Error(`GlusterMetadataStore: exactly 3 node IPs are needed, got ${args.nodeIps.length}`);
        const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
        const zoneOf = (i: number) => (args.zones.length > 0 ? [args.zones[i % args.zones.length]] : undefined);

        const lbName = resourceName("lbi", args.names, "gfs");
        const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
        const lbChild = (kind: string, child: string) =>
            pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${args.resourceGroupName}/providers/Microsoft.Network/loadBalancers/${lbName}/${kind}/${child}`;
        this.loadBalancer = new network.LoadBalancer(`${name}-lbi`, {
            ...common,
            loadBalancerName: lbName,
            sku: { name: "Standard", tier: "Regional" },
            frontendIPConfigurations: [{
                name: "nfs",
                privateIPAllocationMethod: "Static",
                privateIPAddress: args.clientIp,
                subnet: { id: args.subnetId },
                zones: args.zones.length > 0 ? ["1", "2", "3"] : undefined,
            }],
            backendAddressPools: [{ name: "gluster" }],
            probes: [{ name: "nfs", protocol: "Tcp", port: 2049, intervalInSeconds: 5, numberOfProbes: 2 }],
            loadBalancingRules: [{
                name: "nfs",
                protocol: "Tcp",
                frontendPort: 2049,
                backendPort: 2049,
                frontendIPConfiguration: { id: lbChild("frontendIPConfigurations", "nfs") },
                backendAddressPool: { id: lbChild("backendAddressPools", "gluster") },
                probe: { id: lbChild("probes", "nfs") },
                // NFSv4 keeps session state per server: a client sticks to one Ganesha node until it fails.
                loadDistribution: "SourceIP",
                idleTimeoutInMinutes: 30,
                enableTcpReset: true,
            }],
        }, { parent: this });

        for (let i = 0; i < 3; i++) {
            const disk = new compute.Disk(`${name}-brick-${i}`, {
                ...common,
                diskName: resourceName("disk", args.names, `gfs${i}-brick`),
                zones: zoneOf(i),
                sku: { name: "Premium_LRS" },
                diskSizeGB: args.brickDiskSizeGb,
                creationData: { createOption: "Empty" },
                networkAccessPolicy: "DenyAll",
                publicNetworkAccess: "Disabled",
                encryption: { type: "EncryptionAtRestWithPlatformKey" },
            }, { parent: this, protect: args.protect, retainOnDelete: args.protect });
            this.brickDisks.push(disk);

            const pools = [{ id: lbChild("backendAddressPools", "gluster") }];
            if (args.outboundBackendPoolId) pools.push({ id: pulumi.output(args.outboundBackendPoolId) });
            const nic = new network.NetworkInterface(`${name}-nic-${i}`, {
                ...common,
                networkInterfaceName: resourceName("nic", args.names, `gfs${i}`),
                ipConfigurations: [{
                    name: "ipconfig",
                    primary: true,
                    subnet: { id: args.subnetId },
                    privateIPAllocationMethod: "Static",
                    privateIPAddress: args.nodeIps[i],
                    loadBalancerBackendAddressPools: pools,
                }],
            }, { parent: this, dependsOn: [this.loadBalancer] });

            const userData = renderGlusterUserData({
                nodeIndex: i, nodeIps: args.nodeIps, volumeName: args.volumeName, brickDevice: BRICK_DEVICE, enableGanesha: true,
            });
            this.vms.push(new compute.VirtualMachine(`${name}-vm-${i}`, {
                ...common,
                vmName: resourceName("vm", args.names, `gfs${i}`),
                zones: zoneOf(i),
                hardwareProfile: { vmSize: args.vmSize },
                storageProfile: {
                    imageReference: UBUNTU_IMAGE,
                    // The VM is disposable: the brick disk below is the data and outlives it.
                    osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "StandardSSD_LRS" }, deleteOption: "Delete" },
                    dataDisks: [{ lun: 0, createOption: "Attach", managedDisk: { id: disk.id }, deleteOption: "Detach", caching: "None" }],
                },
                osProfile: {
                    computerName: `gfs${i}`,
                    adminUsername: args.adminUsername,
                    customData: Buffer.from(userData).toString("base64"),
                    linuxConfiguration: {
                        disablePasswordAuthentication: true,
                        ssh: { publicKeys: [{ path: `/home/${args.adminUsername}/.ssh/authorized_keys`, keyData: args.sshPublicKey }] },
                        provisionVMAgent: true,
                        patchSettings: { patchMode: "AutomaticByPlatform", assessmentMode: "AutomaticByPlatform" },
                    },
                },
                networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Detach" }] },
                securityProfile: {
                    encryptionAtHost: true,
                    securityType: "TrustedLaunch",
                    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
                },
                diagnosticsProfile: { bootDiagnostics: { enabled: true } },
            }, { parent: this }));
        }

        // Static NFS volumes on the replica-3 volume, pre-bound to the claims Pachyderm's StatefulSets expect.
        const pv = (key: string, sizeGb: number, claim: string) => {
            const volume = new k8s.core.v1.PersistentVolume(`${name}-pv-${key}`, {
                metadata: { name: `pv-${args.names.prefix}-${args.names.stack}-${key}`, labels: { "app.kubernetes.io/part-of": "pachyderm", "metadata-store": "glusterfs" } },
                spec: {
                    capacity: { storage: `${sizeGb}Gi` },
                    accessModes: ["ReadWriteOnce"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: "",
                    mountOptions: ["nfsvers=4.1", "hard", "timeo=600", "retrans=3"],
                    nfs: { server: args.clientIp, path: `/${args.volumeName}/${key}` },
                    claimRef: { namespace: args.namespace, name: claim },
                },
            }, { parent: this, protect: args.protect, dependsOn: this.vms });
            this.volumes.push(volume);
            return volume.metadata.name;
        };
        for (let i = 0; i < args.etcdReplicas; i++) this.etcdVolumeNames.push(pv(`etcd-${i}`, args.etcdDiskSizeGb, etcdClaimName(i)));
        if (args.postgresInCluster) this.postgresVolumeName = pv("postgres-0", args.postgresDiskSizeGb, postgresClaimName());

        this.address = pulumi.output(args.clientIp);
        this.registerOutputs({
            kind: this.kind,
            address: this.address,
            etcdVolumeNames: this.etcdVolumeNames,
            postgresVolumeName: this.postgresVolumeName,
            vmIds: this.vms.map((v) => v.id),
            brickDiskIds: this.brickDisks.map((d) => d.id),
        });
    }
}
