/** Data services (docs/policy.md rules 29-33): the compliant and violating cases of tests/policy/rules.test.ts. */
import { res, Stack } from "../fixtures";
import { RuleCases, golden } from "./shared";

/** Three GlusterFS brick disks (Premium_LRS, zonal) in the given zones. */
function addBricks(s: Stack, zones: string[]): void {
    zones.forEach((zone, i) =>
        s.add(
            res(
                "azure-native:compute:Disk",
                `metadata-brick-${i}`,
                {
                    resourceGroupName: "rg-pachlab-test",
                    diskName: `disk-pachlab-test-gfs${i}-brick`,
                    diskSizeGB: 512,
                    zones: [zone],
                    creationData: { createOption: "Empty" },
                    sku: { name: "Premium_LRS" },
                    networkAccessPolicy: "DenyAll",
                    publicNetworkAccess: "Disabled",
                    encryption: { type: "EncryptionAtRestWithPlatformKey" },
                },
                { protect: true, retainOnDelete: true },
            ),
        ),
    );
}

export const DATA_CASES: Record<string, RuleCases> = {
    "cosmos-keyless-private-tls12": {
        compliant: golden,
        violating: [
            {
                title: "local auth on",
                mutate: (s) => {
                    s.in("cosmos").disableLocalAuth = false;
                },
            },
            {
                title: "public network",
                mutate: (s) => {
                    s.in("cosmos").publicNetworkAccess = "Enabled";
                },
            },
            {
                title: "TLS 1.0",
                mutate: (s) => {
                    s.in("cosmos").minimalTlsVersion = "Tls";
                },
            },
            {
                title: "no private endpoint",
                mutate: (s) => {
                    s.remove("pep-cosmos");
                },
            },
        ],
    },
    "cosmos-continuous-backup-resilience": {
        compliant: golden,
        violating: [
            {
                title: "periodic backup",
                mutate: (s) => {
                    s.in("cosmos").backupPolicy = { type: "Periodic", periodicModeProperties: { backupIntervalInMinutes: 240 } };
                },
            },
            {
                title: "7-day tier in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("cosmos").backupPolicy.continuousModeProperties.tier = "Continuous7Days";
                },
            },
            {
                title: "not zone redundant in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("cosmos").locations[0].isZoneRedundant = false;
                },
            },
        ],
    },
    "postgres-private-tls-backup-ha": {
        compliant: golden,
        violating: [
            {
                title: "public access",
                mutate: (s) => {
                    s.in("psql").network = { publicNetworkAccess: "Enabled" };
                },
            },
            {
                title: "allow-all firewall rule",
                mutate: (s) => {
                    s.add(
                        res("azure-native:dbforpostgresql:FirewallRule", "psql-any", {
                            resourceGroupName: "rg-pachlab-test",
                            serverName: "psql-pachlab-test-1a2b3c",
                            startIpAddress: "0.0.0.0",
                            endIpAddress: "255.255.255.255",
                        }),
                    );
                },
            },
            {
                title: "TLS off",
                mutate: (s) => {
                    s.in("psql-tls").value = "off";
                },
            },
            {
                title: "7-day backups",
                mutate: (s) => {
                    s.in("psql").backup.backupRetentionDays = 7;
                },
            },
            {
                title: "no HA in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("psql").highAvailability.mode = "SameZone";
                },
            },
        ],
    },
    "metadata-disk-hardened": {
        compliant: [
            ...golden,
            {
                title: "GlusterFS bricks LRS, one per zone, in prod",
                env: "prod",
                mutate: (s) => {
                    addBricks(s, ["1", "2", "3"]);
                },
            },
        ],
        violating: [
            {
                title: "GlusterFS bricks in two zones in prod",
                env: "prod",
                mutate: (s) => {
                    addBricks(s, ["1", "1", "2"]);
                },
            },
            {
                title: "LRS disk in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("disk-etcd-0").sku.name = "Premium_LRS";
                },
            },
            {
                title: "disk network AllowAll",
                mutate: (s) => {
                    s.in("disk-etcd-0").networkAccessPolicy = "AllowAll";
                },
            },
            {
                title: "StorageClass LRS in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("metadata-sc").parameters.skuName = "Premium_LRS";
                },
            },
        ],
    },
    "keyvault-hardened": {
        compliant: golden,
        violating: [
            {
                title: "no purge protection",
                mutate: (s) => {
                    s.in("kv").properties.enablePurgeProtection = false;
                },
            },
            {
                title: "access policies instead of RBAC, default Allow",
                mutate: (s) => {
                    s.in("kv").properties.enableRbacAuthorization = false;
                    s.in("kv").properties.networkAcls.defaultAction = "Allow";
                },
            },
        ],
    },
};
