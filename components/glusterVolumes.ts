import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as k8s from "@pulumi/kubernetes";
import { renderGlusterUserData } from "../lib/cloudinit/gluster";
import { glusterBrickDiskName, PlacementArgs, resourceName } from "../lib/naming";
import { DiagnosticsArgs, diagnosticSetting } from "./azure/diagnostics";
import { hardenedDataDisk } from "./azure/disk";
import { ProtectionArgs, StatefulGuard } from "./azure/guard";
import { customData, linuxVirtualMachine } from "./azure/linuxVm";
import { LoadBalancerChildIds, loadBalancerChildIds } from "./azure/loadBalancer";
import { staticPersistentVolume } from "./azure/persistentVolume";
import { PachydermVolumes } from "./pachydermVolumes";
import { etcdClaimName, postgresClaimName } from "./pachyderm/names";

/** Azure exposes the data disk at LUN 0 under this stable path (udev rules of the Azure Linux agent). */
export const BRICK_DEVICE = "/dev/disk/azure/scsi1/lun0";
/** Gluster nodes: node 0 forms the pool and creates the replica-3 volume. */
export const GLUSTER_NODE_COUNT = 3;
/** NFSv4 (NFS-Ganesha) is the only port clients use: no rpcbind, mountd, NLM. */
export const NFS_PORT = 2049;
/** Mount options of every PersistentVolume: NFSv4.1, hard mounts (no silent I/O errors), 60 s RPC timeout. */
export const NFS_MOUNT_OPTIONS = ["nfsvers=4.1", "hard", "timeo=600", "retrans=3"];
/** Azure's limit on `osProfile.customData` (base64 text). */
const CUSTOM_DATA_MAX = 65535;

const LB_FRONTEND = "nfs";
const LB_POOL = "gluster";
const LB_PROBE = "nfs";
const LB_RULE = "nfs";

export interface GlusterVolumesArgs extends PlacementArgs, ProtectionArgs {
    /** The data subnet (its NSG allows Gluster/NFS from the AKS and data subnets and the LB probe on 2049). */
    subnetId: pulumi.Input<string>;
    /** Static addresses of the three nodes, node 0 first (it forms the volume). */
    nodeIps: string[];
    /** Frontend of the internal load balancer: the one address Kubernetes mounts. */
    clientIp: string;
    vmSize: string;
    brickDiskSizeGb: number;
    /** Gluster volume, exported by NFS-Ganesha at the NFSv4 pseudo path `/<volumeName>`. */
    volumeName: string;
    adminUsername: string;
    sshPublicKey: string;
    /** Namespace of the claims the PersistentVolumes are pre-bound to. */
    namespace: string;
    /** 1 or 3: the bootstrap creates the directories etcd-0..2 and postgres-0 (`GLUSTER_SUBDIRS` in scripts/gluster/bootstrap.sh). */
    etcdReplicas: 1 | 3;
    /** Capacity (Gi) recorded on each etcd PV; NFS does not enforce it, the brick size is the real limit. */
    etcdDiskSizeGb: number;
    /** A PersistentVolume (directory `postgres-0`) for PostgreSQL when it runs in the cluster. */
    postgresInCluster: boolean;
    postgresDiskSizeGb: number;
    /** Outbound-only pool of the public load balancer: apt egress without a public IP on the nodes. */
    outboundBackendPoolId?: pulumi.Input<string>;
    /** Internal load balancer logs and metrics to Log Analytics. */
    diagnostics?: DiagnosticsArgs;
}

/**
 * The GlusterFS kind of Pachyderm's volumes (config `metadataStore.kind: glusterfs`): three VMs (one per zone) with a brick data disk each,
 * bootstrapped by cloud-init into a replica-3 volume served over NFSv4 by NFS-Ganesha, behind an
 * internal load balancer; etcd and in-cluster PostgreSQL get static `nfs` PersistentVolumes on it,
 * pre-bound to the claims of the Pachyderm StatefulSets. Trade-offs against managed disks and the
 * runbooks: docs/glusterfs.md. The Kubernetes provider comes from the component's `providers` option.
 *
 * Encryption at host is always on (no config knob): the subscription must have the
 * `Microsoft.Compute/EncryptionAtHost` feature registered, otherwise the VMs fail to create.
 *
 * The type token keeps the class's first name, `GlusterMetadataStore`: it is part of the URN of every child,
 * and the data-loss guard follows aliases only on the resource itself, so renaming it would read as a replacement.
 */
export class GlusterVolumes extends pulumi.ComponentResource implements PachydermVolumes {
    public readonly kind = "glusterfs" as const;
    public readonly etcdVolumeNames: pulumi.Output<string>[] = [];
    public readonly postgresVolumeName?: pulumi.Output<string>;
    /** The PersistentVolumes (they depend on the VMs and the load balancer). */
    public readonly persistentVolumes: k8s.core.v1.PersistentVolume[] = [];
    /** The NFS server address clients mount: the internal load balancer's frontend. */
    public readonly address: pulumi.Output<string>;
    public readonly vmIds: pulumi.Output<string>[] = [];
    public readonly brickDiskIds: pulumi.Output<string>[] = [];
    public readonly brickDisks: compute.Disk[] = [];
    public readonly nics: network.NetworkInterface[] = [];
    public readonly vms: compute.VirtualMachine[] = [];
    public readonly loadBalancer: network.LoadBalancer;

    constructor(name: string, args: GlusterVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super: a bad layout or an oversized bootstrap registers nothing.
        assertNodeAddresses(name, args);
        const userData = args.nodeIps.map((_, i) => nodeUserData(name, args, i));
        super("pachyderm-azure:metadata:GlusterMetadataStore", name, {}, opts);
        const lbChild = loadBalancerChildIds(this, args.resourceGroupName, resourceName("lbi", args.names, "gfs"));
        this.loadBalancer = this.createLoadBalancer(name, args, lbChild);
        if (args.diagnostics)
            diagnosticSetting(`${name}-lbi-diag`, this, "Microsoft.Network/loadBalancers", this.loadBalancer.id, args.diagnostics);

        const guard = new StatefulGuard(this, args);
        const pools: { id: pulumi.Input<string> }[] = [{ id: lbChild("backendAddressPools", LB_POOL) }];
        if (args.outboundBackendPoolId !== undefined) pools.push({ id: args.outboundBackendPoolId });
        userData.forEach((text, i) => this.createNode(name, args, guard, i, text, pools));

        // Static NFS volumes on the replica-3 volume (Ganesha's pseudo root is `/<volume>`, the bootstrap
        // creates the sub-directories), pre-bound to the claims Pachyderm's StatefulSets expect.
        const pv = (key: string, sizeGb: number, claim: string, component: string): pulumi.Output<string> => {
            const volume = staticPersistentVolume(
                `${name}-pv-${key}`,
                {
                    names: args.names,
                    key,
                    labels: {
                        "app.kubernetes.io/part-of": "pachyderm",
                        "app.kubernetes.io/component": component,
                        "metadata-store": "glusterfs",
                    },
                    sizeGb,
                    claim: { namespace: args.namespace, name: claim },
                    source: { mountOptions: NFS_MOUNT_OPTIONS, nfs: { server: args.clientIp, path: `/${args.volumeName}/${key}` } },
                },
                guard.options({ dependsOn: [this.loadBalancer, ...this.vms] }),
            );
            this.persistentVolumes.push(volume);
            return volume.metadata.name;
        };
        for (let i = 0; i < args.etcdReplicas; i++)
            this.etcdVolumeNames.push(pv(`etcd-${i}`, args.etcdDiskSizeGb, etcdClaimName(i), "etcd"));
        if (args.postgresInCluster) this.postgresVolumeName = pv("postgres-0", args.postgresDiskSizeGb, postgresClaimName(), "postgres");

        this.address = pulumi.output(args.clientIp);
        this.registerOutputs({
            kind: this.kind,
            address: this.address,
            etcdVolumeNames: this.etcdVolumeNames,
            postgresVolumeName: this.postgresVolumeName,
            vmIds: this.vmIds,
            brickDiskIds: this.brickDiskIds,
        });
    }

    /** The internal load balancer: the rule, probe, pool and frontend reference each other by ARM id inside it. */
    private createLoadBalancer(name: string, args: GlusterVolumesArgs, lbChild: LoadBalancerChildIds): network.LoadBalancer {
        return new network.LoadBalancer(
            `${name}-lbi`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                loadBalancerName: resourceName("lbi", args.names, "gfs"),
                sku: { name: "Standard", tier: "Regional" },
                frontendIPConfigurations: [
                    {
                        name: LB_FRONTEND,
                        privateIPAllocationMethod: "Static",
                        privateIPAddress: args.clientIp,
                        privateIPAddressVersion: "IPv4",
                        subnet: { id: args.subnetId },
                        // Zone-redundant frontend: the NFS address survives the loss of any one zone.
                        zones: args.zones.length > 0 ? ["1", "2", "3"] : undefined,
                    },
                ],
                backendAddressPools: [{ name: LB_POOL }],
                // Ganesha listens on 2049 only once the volume is started and exported (bootstrap step 7).
                probes: [{ name: LB_PROBE, protocol: "Tcp", port: NFS_PORT, intervalInSeconds: 5, numberOfProbes: 2 }],
                loadBalancingRules: [
                    {
                        name: LB_RULE,
                        protocol: "Tcp",
                        frontendPort: NFS_PORT,
                        backendPort: NFS_PORT,
                        frontendIPConfiguration: { id: lbChild("frontendIPConfigurations", LB_FRONTEND) },
                        backendAddressPool: { id: lbChild("backendAddressPools", LB_POOL) },
                        probe: { id: lbChild("probes", LB_PROBE) },
                        // Session persistence on the client IP: NFSv4 keeps per-client state (client ID, session,
                        // open files) in the one Ganesha server that granted it, and the three Ganesha heads do not
                        // share it. The default 5-tuple hash could send a node's reconnect (new source port) to
                        // another head, which would reject the old session/stateids (NFS4ERR_BADSESSION/STALE_CLIENTID).
                        // With SourceIP a Kubernetes node stays on one head until that head fails its probe.
                        loadDistribution: "SourceIP",
                        idleTimeoutInMinutes: 30,
                        // RST on idle timeout: the kernel client reconnects at once instead of waiting for timeo.
                        enableTcpReset: true,
                        enableFloatingIP: false,
                    },
                ],
            },
            { parent: this },
        );
    }

    /**
     * Brick `i`: Premium_LRS in the VM's zone. Gluster already replicates every write synchronously to the
     * bricks in the other two zones, so a ZRS disk would add a second cross-zone replication to every fsync
     * (etcd's WAL latency) for no extra durability. (ZRS disks could attach to a VM in any zone; that is not the
     * reason.) The policy (docs/policy.md rule 32) requires instead that production bricks span three zones.
     */
    private createBrick(name: string, args: GlusterVolumesArgs, guard: StatefulGuard, i: number, zones?: string[]): compute.Disk {
        const n = args.names;
        const disk = hardenedDataDisk(
            `${name}-brick-${i}`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                diskName: glusterBrickDiskName(n, i),
                sku: "Premium_LRS",
                zones,
                sizeGb: args.brickDiskSizeGb,
            },
            guard.options(),
        );
        this.brickDisks.push(disk);
        this.brickDiskIds.push(disk.id);
        guard.lock(`${name}-brick-${i}-lock`, disk.id, {
            lockName: resourceName("lock", n, `gfs${i}-brick`),
            notes: "GlusterFS brick of the Pachyderm metadata store (etcd/PostgreSQL): without it the object store cannot be read.",
        });
        return disk;
    }

    /** Node `i`: its brick disk (guarded and locked), its NIC in the LB pools and its VM in zone `i`. */
    private createNode(
        name: string,
        args: GlusterVolumesArgs,
        guard: StatefulGuard,
        i: number,
        userData: string,
        pools: { id: pulumi.Input<string> }[],
    ): void {
        const n = args.names;
        const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
        const zones = args.zones.length > 0 ? [args.zones[i % args.zones.length]!] : undefined;
        const disk = this.createBrick(name, args, guard, i, zones);
        const nic = new network.NetworkInterface(
            `${name}-nic-${i}`,
            {
                ...common,
                networkInterfaceName: resourceName("nic", n, `gfs${i}`),
                enableIPForwarding: false,
                ipConfigurations: [
                    {
                        name: "ipconfig",
                        primary: true,
                        subnet: { id: args.subnetId },
                        privateIPAllocationMethod: "Static",
                        privateIPAddress: args.nodeIps[i],
                        privateIPAddressVersion: "IPv4",
                        // No publicIPAddress: egress only through the public LB's outbound rule (pools).
                        loadBalancerBackendAddressPools: pools,
                    },
                ],
            },
            { parent: this, dependsOn: [this.loadBalancer] },
        );
        this.nics.push(nic);

        const vm = linuxVirtualMachine(
            `${name}-vm-${i}`,
            {
                ...common,
                vmName: resourceName("vm", n, `gfs${i}`),
                computerName: `gfs${i}`,
                zones,
                vmSize: args.vmSize,
                adminUsername: args.adminUsername,
                sshPublicKey: args.sshPublicKey,
                userData,
                // The VM is disposable (its OS disk goes with it); the brick disk is the data and outlives it.
                osDiskName: resourceName("osdisk", n, `gfs${i}`),
                encryptionAtHost: true,
                nicId: nic.id,
                // Caching None: fsync must reach the disk (etcd WAL, PostgreSQL commits).
                dataDisks: [{ lun: 0, createOption: "Attach", managedDisk: { id: disk.id }, deleteOption: "Detach", caching: "None" }],
            },
            {
                parent: this,
                // Azure refuses in-place changes of customData (PropertyChangeNotAllowed), and replacing on
                // such a change would replace all three nodes at once: the pool's state (/var/lib/glusterd,
                // on the OS disk) would go with them and the volume would be down until rebuilt by hand.
                // A bootstrap change therefore reaches new nodes only; roll it one VM at a time with
                // `npm run gluster:roll -- --stack <stack> --replace` (docs/glusterfs.md "Rolling changes"): a
                // replaced VM rejoins as the same peer from the glusterd state kept on its brick disk.
                ignoreChanges: ["osProfile.customData"],
                // Two VMs cannot share the name, the NIC or the brick disk: a replacement deletes first
                // (the brick disk is only detached: deleteOption Detach).
                deleteBeforeReplace: true,
            },
        );
        this.vms.push(vm);
        this.vmIds.push(vm.id);
    }
}

/** The bootstrap of node `i`, refused when Azure would refuse its custom data. */
function nodeUserData(name: string, args: GlusterVolumesArgs, i: number): string {
    const text = renderGlusterUserData({
        nodeIndex: i,
        nodeIps: args.nodeIps,
        volumeName: args.volumeName,
        brickDevice: BRICK_DEVICE,
        enableGanesha: true,
    });
    const length = customData(text).length;
    if (length > CUSTOM_DATA_MAX)
        throw new pulumi.RunError(
            `GlusterVolumes ${name}: user-data of node ${i} is ${length} base64 characters, Azure accepts ${CUSTOM_DATA_MAX}`,
        );
    return text;
}

/**
 * Three distinct node addresses and a fourth for the frontend. Config derives them from subnetData at fixed
 * offsets (lib/config/build.ts), so only a direct caller can get them wrong; production's three zones are config's
 * prod baseline.
 */
function assertNodeAddresses(name: string, args: GlusterVolumesArgs): void {
    const distinct = new Set([...args.nodeIps, args.clientIp]).size;
    if (args.nodeIps.length !== GLUSTER_NODE_COUNT || distinct !== GLUSTER_NODE_COUNT + 1)
        throw new pulumi.RunError(
            `GlusterVolumes ${name}: needs ${GLUSTER_NODE_COUNT} distinct nodeIps and a clientIp apart from them, got ${args.nodeIps.join(", ")} and ${args.clientIp}`,
        );
}
