/** Cross-cutting rules (docs/policy.md rule X), secrets and the GlusterFS roll: the compliant and violating cases of tests/policy/rules.test.ts. */
import type { PlanResource } from "../../../planner/types";
import type { PolicyConfigInput } from "../../helpers/policyEngine";
import { ids, res, Stack } from "../fixtures";
import { RuleCases, golden } from "./shared";

/** GlusterFS VM `i` as the GlusterVolumes component declares it (parent type in the URN, customData ignored). */
function glusterVm(i: number, vmSize: string, zone = String(i + 1)): PlanResource {
    const type = "azure-native:compute:VirtualMachine";
    const name = `metadata-vm-${i}`;
    return res(
        type,
        name,
        {
            resourceGroupName: "rg-pachlab-test",
            vmName: `vm-pachlab-test-gfs${i}`,
            zones: [zone],
            hardwareProfile: { vmSize },
            osProfile: {
                computerName: `gfs${i}`,
                adminUsername: "labadmin",
                customData: "[secret]",
                linuxConfiguration: {
                    disablePasswordAuthentication: true,
                    ssh: {
                        publicKeys: [
                            { path: "/home/labadmin/.ssh/authorized_keys", keyData: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI labadmin" },
                        ],
                    },
                },
            },
            storageProfile: {
                imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
                osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "StandardSSD_LRS" } },
            },
            securityProfile: { encryptionAtHost: true },
            networkProfile: { networkInterfaces: [{ id: ids.nic, primary: true }] },
        },
        {
            urn: `urn:pulumi:test::pachyderm-azure::pachyderm-azure:metadata:GlusterMetadataStore$${type}::${name}`,
            ignoreChanges: ["osProfile.customData"],
            secretInputs: ["osProfile.customData"],
            deleteBeforeReplace: true,
        },
    );
}
const addGlusterVms = (s: Stack, vms: PlanResource[]) => {
    s.add(...vms);
};
/** Policy config: the current state holds three Standard_D2ds_v5 GlusterFS VMs in zones 1-3. */
const glusterBaseline: PolicyConfigInput = {
    "gluster-one-node-at-a-time": { baseline: [0, 1, 2].map((i) => glusterVm(i, "Standard_D2ds_v5")) },
};
const D2 = "Standard_D2ds_v5";
const D4 = "Standard_D4ds_v5";

export const CROSS_CUTTING_CASES: Record<string, RuleCases> = {
    "secrets-are-pulumi-secrets": {
        compliant: golden,
        violating: [
            {
                title: "plain-text PostgreSQL password",
                mutate: (s) => {
                    s.in("psql").administratorLoginPassword = "hunter2hunter2";
                    s.get("psql").secretInputs = [];
                },
            },
            {
                title: "plain-text Kubernetes Secret data",
                mutate: (s) => {
                    s.in("pachd-root-token").stringData["root-token"] = "abc";
                },
            },
        ],
    },
    "gluster-one-node-at-a-time": {
        compliant: [
            {
                title: "GlusterFS VMs unchanged",
                config: glusterBaseline,
                mutate: (s) => {
                    addGlusterVms(s, [glusterVm(0, D2), glusterVm(1, D2), glusterVm(2, D2)]);
                },
            },
            {
                title: "one GlusterFS VM resized",
                config: glusterBaseline,
                mutate: (s) => {
                    addGlusterVms(s, [glusterVm(0, D4), glusterVm(1, D2), glusterVm(2, D2)]);
                },
            },
            {
                title: "the bootstrap (customData, in ignoreChanges) changed on all three",
                config: glusterBaseline,
                mutate: (s) => {
                    addGlusterVms(
                        s,
                        [0, 1, 2].map((i) => {
                            const vm = glusterVm(i, D2);
                            (vm.inputs.osProfile as { customData: string }).customData = "I2Nsb3VkLWNvbmZpZw==";
                            return vm;
                        }),
                    );
                },
            },
        ],
        violating: [
            {
                title: "all three GlusterFS VMs resized",
                config: glusterBaseline,
                mutate: (s) => {
                    addGlusterVms(s, [glusterVm(0, D4), glusterVm(1, D4), glusterVm(2, D4)]);
                },
            },
            {
                title: "two GlusterFS VMs moved to another zone",
                config: glusterBaseline,
                mutate: (s) => {
                    addGlusterVms(s, [glusterVm(0, D2, "2"), glusterVm(1, D2, "3"), glusterVm(2, D2)]);
                },
            },
        ],
    },
};
