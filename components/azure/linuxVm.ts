import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import type * as azureInputs from "@pulumi/azure-native/types/input";

/** Ubuntu 24.04 LTS, Gen2 image (required by Trusted Launch); `server-gen1` would be the Gen1 variant. */
export const UBUNTU_IMAGE = { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" } as const;

/** `osProfile.customData`: the cloud-init user data, base64-encoded. */
export function customData(userData: string): string {
    return Buffer.from(userData, "utf8").toString("base64");
}

export interface LinuxVmArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    tags: Record<string, string>;
    vmName: string;
    computerName: string;
    zones?: string[];
    vmSize: string;
    adminUsername: string;
    sshPublicKey: string;
    /** cloud-init user data (plain text; base64-encoded here). */
    userData: string;
    osDiskName: string;
    /** Left to Azure's default when absent. */
    osDiskCaching?: "ReadWrite";
    encryptionAtHost: boolean;
    nicId: pulumi.Input<string>;
    userAssignedIdentityIds?: pulumi.Input<string>[];
    allowExtensionOperations?: boolean;
    dataDisks?: azureInputs.compute.DataDiskArgs[];
}

/**
 * A hardened Ubuntu VM: SSH keys only (no password), platform-managed patching, Trusted Launch with
 * Secure Boot and vTPM, managed boot diagnostics (no storage account of ours), no public IP (its one
 * NIC is a resource of its own, detached rather than deleted with the VM), a disposable OS disk.
 * Trusted Launch: https://learn.microsoft.com/azure/virtual-machines/trusted-launch;
 * patch modes: https://learn.microsoft.com/azure/virtual-machines/automatic-vm-guest-patching.
 */
export function linuxVirtualMachine(name: string, a: LinuxVmArgs, opts: pulumi.CustomResourceOptions): compute.VirtualMachine {
    return new compute.VirtualMachine(
        name,
        {
            resourceGroupName: a.resourceGroupName,
            location: a.location,
            tags: a.tags,
            vmName: a.vmName,
            zones: a.zones,
            hardwareProfile: { vmSize: a.vmSize },
            identity: a.userAssignedIdentityIds
                ? { type: compute.ResourceIdentityType.UserAssigned, userAssignedIdentities: a.userAssignedIdentityIds }
                : undefined,
            osProfile: {
                computerName: a.computerName,
                adminUsername: a.adminUsername,
                customData: customData(a.userData),
                allowExtensionOperations: a.allowExtensionOperations,
                linuxConfiguration: {
                    disablePasswordAuthentication: true,
                    ssh: { publicKeys: [{ path: `/home/${a.adminUsername}/.ssh/authorized_keys`, keyData: a.sshPublicKey }] },
                    provisionVMAgent: true,
                    patchSettings: { patchMode: "AutomaticByPlatform", assessmentMode: "AutomaticByPlatform" },
                },
            },
            storageProfile: {
                imageReference: { ...UBUNTU_IMAGE },
                // The OS disk holds nothing that cloud-init does not recreate: it goes with the VM.
                osDisk: {
                    name: a.osDiskName,
                    createOption: "FromImage",
                    caching: a.osDiskCaching,
                    managedDisk: { storageAccountType: "StandardSSD_LRS" },
                    deleteOption: "Delete",
                },
                dataDisks: a.dataDisks,
            },
            securityProfile: {
                encryptionAtHost: a.encryptionAtHost,
                securityType: "TrustedLaunch",
                uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
            },
            // Detach, not Delete: the NIC is a Pulumi resource of its own (static IP, LB references). With
            // Delete, Azure would remove it behind Pulumi's back whenever the VM is replaced.
            networkProfile: { networkInterfaces: [{ id: a.nicId, primary: true, deleteOption: "Detach" }] },
            diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        },
        opts,
    );
}
