import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";

export interface DataDiskArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    tags: Record<string, string>;
    diskName: string;
    sku: "Premium_LRS" | "Premium_ZRS";
    /** One zone for a zonal (LRS) disk; undefined for a regional or ZRS one. */
    zones?: string[];
    sizeGb: number;
}

/**
 * An empty managed data disk reachable only by attaching it to a VM: no SAS export or import from
 * anywhere (`networkAccessPolicy: DenyAll`, public network access off), platform-key encryption
 * (https://learn.microsoft.com/azure/virtual-machines/disks-enable-private-links-for-import-export-portal).
 * `opts` comes from the component's StatefulGuard: a data disk is always guarded.
 */
export function hardenedDataDisk(name: string, a: DataDiskArgs, opts: pulumi.CustomResourceOptions): compute.Disk {
    return new compute.Disk(
        name,
        {
            resourceGroupName: a.resourceGroupName,
            location: a.location,
            tags: a.tags,
            diskName: a.diskName,
            sku: { name: a.sku },
            zones: a.zones,
            diskSizeGB: a.sizeGb,
            creationData: { createOption: "Empty" },
            networkAccessPolicy: "DenyAll",
            publicNetworkAccess: "Disabled",
            encryption: { type: "EncryptionAtRestWithPlatformKey" },
        },
        opts,
    );
}
