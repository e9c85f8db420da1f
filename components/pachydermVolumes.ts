import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as k8s from "@pulumi/kubernetes";
import { PlacementArgs, resourceName } from "../lib/naming";
import { hardenedDataDisk } from "./azure/disk";
import { ProtectionArgs, StatefulGuard } from "./azure/guard";
import { staticPersistentVolume } from "./azure/persistentVolume";
import { builtInRoleId, roleAssignment } from "./azure/roles";
import { etcdClaimName, postgresClaimName } from "./pachyderm/names";

/**
 * Where etcd (and the in-cluster PostgreSQL) keep their data: PersistentVolumes the Pachyderm
 * component binds its claims to (static binding: claimRef on the PV, volumeName on the claim).
 * Implemented by ManagedDiskVolumes (Azure managed disks) and GlusterVolumes (components/glusterVolumes.ts);
 * config calls the choice `metadataStore`: Pachyderm's metadata, not the lab's (components/labMetadataDb.ts).
 */
export interface PachydermVolumes {
    kind: "managedDisk" | "glusterfs";
    /** One PersistentVolume name per etcd member, in member order (claim `etcd-storage-etcd-<i>`). */
    etcdVolumeNames: pulumi.Output<string>[];
    /** When PostgreSQL runs in the cluster: its PersistentVolume (claim `postgres-storage-postgres-0`). */
    postgresVolumeName?: pulumi.Output<string>;
    /** The PersistentVolumes: put them in the Pachyderm component's `volumes.dependsOn`. */
    persistentVolumes: pulumi.Resource[];
    /** GlusterFS: the address clients mount. */
    address?: pulumi.Output<string>;
}

/**
 * Built-in role "Virtual Machine Contributor". The AKS documentation for static Azure disks outside the
 * node resource group asks for Contributor on the disk's resource group. What the CSI driver does with a
 * static disk is read it, attach/detach it (a write on the node's scale set, which the cluster identity
 * already owns, with a linked write check on the disk) and resize it (a write on the disk); the driver's
 * documented permission list for disks is read/write/delete. Virtual Machine Contributor grants those
 * disk actions and is assigned per disk, so the cluster identity gets nothing on the rest of the
 * resource group (storage account, Cosmos DB, PostgreSQL, locks). Its disk delete right is neutralized
 * by the per-disk CanNotDelete lock in production and by the Retain reclaim policy.
 */
export const VIRTUAL_MACHINE_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";

export const DISK_CSI_DRIVER = "disk.csi.azure.com";
/** Node label of the Azure Disk CSI driver's topology, value `<region>-<zone>`. */
export const DISK_CSI_ZONE_KEY = "topology.disk.csi.azure.com/zone";

export interface ManagedDiskVolumesArgs extends PlacementArgs, ProtectionArgs {
    /** Premium_ZRS in production (attachable from every zone; config's prod baseline); Premium_LRS in dev. */
    diskSku: "Premium_LRS" | "Premium_ZRS";
    etcdReplicas: 1 | 3;
    etcdDiskSizeGb: number;
    /** A disk and a PV for PostgreSQL when it runs in the cluster. */
    postgresInCluster: boolean;
    postgresDiskSizeGb: number;
    /** Namespace of the claims the PVs are pre-bound to. */
    namespace: string;
    /** Principal id of the AKS cluster (control-plane) identity, which attaches the disks. */
    clusterPrincipalId: pulumi.Input<string>;
}

interface DiskSpec {
    key: string;
    sizeGb: number;
    claim: string;
    zone?: string;
}

/**
 * One managed disk per etcd member (plus one for the in-cluster PostgreSQL), created outside AKS's
 * node resource group so that deleting or recreating the cluster never touches them, each exposed as
 * a Retain PersistentVolume pre-bound to the claim name the Pachyderm StatefulSets use. The Kubernetes
 * provider comes from the component's `providers` option.
 *
 * The type token keeps the class's first name, `ManagedDiskMetadataStore`: it is part of the URN of every child,
 * and the data-loss guard follows aliases only on the resource itself, so renaming it would read as a replacement.
 */
export class ManagedDiskVolumes extends pulumi.ComponentResource implements PachydermVolumes {
    public readonly kind = "managedDisk" as const;
    public readonly disks: compute.Disk[] = [];
    public readonly diskIds: pulumi.Output<string>[] = [];
    public readonly persistentVolumes: k8s.core.v1.PersistentVolume[] = [];
    public readonly etcdVolumeNames: pulumi.Output<string>[] = [];
    public readonly postgresVolumeName?: pulumi.Output<string>;

    constructor(name: string, args: ManagedDiskVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:metadata:ManagedDiskMetadataStore", name, {}, opts);
        // ZRS disks attach from any zone; LRS disks exist in one zone and must be pinned (a regional
        // LRS disk cannot attach to a zonal node).
        const zonal = args.diskSku === "Premium_LRS" && args.zones.length > 0;
        const zoneOf = (i: number) => (zonal ? args.zones[i % args.zones.length] : undefined);

        const specs: DiskSpec[] = Array.from({ length: args.etcdReplicas }, (_, i) => ({
            key: `etcd-${i}`,
            sizeGb: args.etcdDiskSizeGb,
            claim: etcdClaimName(i),
            zone: zoneOf(i),
        }));
        if (args.postgresInCluster)
            specs.push({ key: "postgres", sizeGb: args.postgresDiskSizeGb, claim: postgresClaimName(), zone: zoneOf(0) });

        const roleId = builtInRoleId(VIRTUAL_MACHINE_CONTRIBUTOR, { parent: this });
        const guard = new StatefulGuard(this, args);

        for (const spec of specs) {
            const volumeName = this.createVolume(name, args, guard, roleId, spec);
            if (spec.key === "postgres") this.postgresVolumeName = volumeName;
            else this.etcdVolumeNames.push(volumeName);
        }

        this.registerOutputs({
            diskIds: this.diskIds,
            etcdVolumeNames: this.etcdVolumeNames,
            postgresVolumeName: this.postgresVolumeName,
        });
    }

    /**
     * The disk of `spec` (guarded and locked), the cluster identity's right to attach it, and its Retain
     * PersistentVolume pre-bound to the claim; returns the volume's name.
     */
    private createVolume(
        name: string,
        args: ManagedDiskVolumesArgs,
        guard: StatefulGuard,
        roleId: pulumi.Input<string>,
        spec: DiskSpec,
    ): pulumi.Output<string> {
        const disk = hardenedDataDisk(
            `${name}-disk-${spec.key}`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                diskName: resourceName("disk", args.names, spec.key),
                sku: args.diskSku,
                zones: spec.zone ? [spec.zone] : undefined,
                sizeGb: spec.sizeGb,
            },
            guard.options(),
        );
        this.disks.push(disk);
        this.diskIds.push(disk.id);

        const access = roleAssignment(`${name}-disk-${spec.key}-attach`, this, {
            scope: disk.id,
            roleDefinitionId: roleId,
            principalId: args.clusterPrincipalId,
            description: `AKS attaches the ${spec.key} metadata disk`,
        });
        guard.lock(`${name}-disk-${spec.key}-lock`, disk.id, {
            lockName: resourceName("lock", args.names, `disk-${spec.key}`),
            notes: "Pachyderm metadata (etcd/PostgreSQL): without it the object store cannot be read.",
        });

        const pv = staticPersistentVolume(
            `${name}-pv-${spec.key}`,
            {
                names: args.names,
                key: spec.key,
                labels: {
                    "app.kubernetes.io/part-of": "pachyderm",
                    "app.kubernetes.io/component": spec.key.startsWith("etcd") ? "etcd" : "postgres",
                },
                sizeGb: spec.sizeGb,
                claim: { namespace: args.namespace, name: spec.claim },
                source: {
                    csi: { driver: DISK_CSI_DRIVER, volumeHandle: disk.id, fsType: "ext4", volumeAttributes: { fsType: "ext4" } },
                    nodeAffinity: spec.zone
                        ? {
                              required: {
                                  nodeSelectorTerms: [
                                      {
                                          matchExpressions: [
                                              { key: DISK_CSI_ZONE_KEY, operator: "In", values: [`${args.location}-${spec.zone}`] },
                                          ],
                                      },
                                  ],
                              },
                          }
                        : undefined,
                },
            },
            guard.options({ dependsOn: [access] }),
        );
        this.persistentVolumes.push(pv);
        return pv.metadata.name;
    }
}
