/** Storage (docs/policy.md rules 1-13): the compliant and violating cases of tests/policy/rules.test.ts. */
import { ids, res, Stack } from "../fixtures";
import { RuleCases, golden, goldenProd, sharedKey } from "./shared";

export const STORAGE_CASES: Record<string, RuleCases> = {
    "storage-redundancy-gzrs": {
        compliant: [
            ...golden,
            {
                title: "RA-GZRS in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("data").sku.name = "Standard_RAGZRS";
                },
            },
        ],
        violating: [
            {
                title: "LRS in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("data").sku.name = "Standard_LRS";
                },
            },
            {
                title: "config environment=prod overrides a dev tag",
                env: "dev",
                config: { all: { environment: "prod" } },
                mutate: (s) => {
                    // Keep every other prod-only rule satisfied: only the SKU rule is under test here.
                    const prod = Stack.golden("prod");
                    s.resources = prod.resources;
                    s.in("data").sku.name = "Standard_ZRS";
                },
            },
            {
                title: "BlobStorage kind (dev too)",
                env: "dev",
                mutate: (s) => {
                    s.in("data").kind = "BlobStorage";
                },
            },
            {
                title: "hierarchical namespace",
                env: "dev",
                mutate: (s) => {
                    s.in("data").isHnsEnabled = true;
                },
            },
        ],
    },
    "storage-https-tls12": {
        compliant: golden,
        violating: [
            {
                title: "HTTP allowed",
                mutate: (s) => {
                    s.in("data").enableHttpsTrafficOnly = false;
                },
            },
            {
                title: "TLS 1.0",
                mutate: (s) => {
                    s.in("data").minimumTlsVersion = "TLS1_0";
                },
            },
            {
                title: "TLS unset",
                mutate: (s) => {
                    delete s.in("data").minimumTlsVersion;
                },
            },
        ],
    },
    "storage-no-public-blob-access": {
        compliant: golden,
        violating: [
            {
                title: "account allows public blobs",
                mutate: (s) => {
                    s.in("data").allowBlobPublicAccess = true;
                },
            },
            {
                title: "container public",
                mutate: (s) => {
                    s.in("data-container").publicAccess = "Blob";
                },
            },
        ],
    },
    "storage-private-network": {
        compliant: [
            ...golden,
            {
                title: "public access Enabled but default Deny with the AKS subnet",
                env: "prod",
                mutate: (s) => {
                    s.in("data").publicNetworkAccess = "Enabled";
                    s.in("data").networkRuleSet = {
                        defaultAction: "Deny",
                        bypass: "None",
                        virtualNetworkRules: [{ virtualNetworkResourceId: ids.subnetAks, action: "Allow" }],
                    };
                },
            },
        ],
        violating: [
            {
                title: "public network, default Allow",
                mutate: (s) => {
                    s.in("data").publicNetworkAccess = "Enabled";
                    s.in("data").networkRuleSet.defaultAction = "Allow";
                },
            },
            {
                title: "default Deny but another subnet",
                mutate: (s) => {
                    s.in("data").publicNetworkAccess = "Enabled";
                    s.in("data").networkRuleSet = {
                        defaultAction: "Deny",
                        virtualNetworkRules: [{ virtualNetworkResourceId: ids.subnetPep }],
                    };
                },
            },
            {
                title: "no private endpoint",
                mutate: (s) => {
                    s.remove("pep-blob");
                },
            },
        ],
    },
    "storage-keyless-auth": {
        compliant: golden,
        violating: [
            {
                title: "shared keys on in keyless mode",
                mutate: (s) => {
                    s.in("data").allowSharedKeyAccess = true;
                },
            },
            {
                title: "OAuth not default",
                mutate: (s) => {
                    s.in("data").defaultToOAuthAuthentication = false;
                },
            },
            {
                title: "local users on",
                mutate: (s) => {
                    s.in("data").isLocalUserEnabled = true;
                },
            },
            {
                title: "cross-tenant replication on (config keyless)",
                config: { all: { storageAuthMode: "workloadIdentity" } },
                mutate: (s) => {
                    s.remove("pachd-fic");
                    s.in("data").allowCrossTenantReplication = true;
                },
            },
        ],
    },
    "storage-keyless-auth-advisory": {
        compliant: [{ title: "shared-key mode, account still keyless-clean", env: "prod", config: sharedKey }],
        violating: [
            {
                title: "shared keys on in shared-key mode (config)",
                config: sharedKey,
                mutate: (s) => {
                    s.in("data").allowSharedKeyAccess = true;
                },
            },
            {
                title: "shared keys on, no workload identity in the stack",
                mutate: (s) => {
                    s.remove("pachd-fic");
                    s.in("data").allowSharedKeyAccess = true;
                },
            },
        ],
    },
    "storage-infrastructure-encryption": {
        compliant: golden,
        violating: [
            {
                title: "no infrastructure encryption",
                mutate: (s) => {
                    s.in("data").encryption.requireInfrastructureEncryption = false;
                },
            },
        ],
    },
    "storage-customer-managed-key": {
        compliant: golden,
        violating: [
            {
                title: "platform-managed key",
                mutate: (s) => {
                    s.in("data").encryption.keySource = "Microsoft.Storage";
                    delete s.in("data").encryption.keyVaultProperties;
                },
            },
        ],
    },
    "storage-blob-soft-delete": {
        compliant: golden,
        violating: [
            {
                title: "blob soft delete off",
                mutate: (s) => {
                    s.in("data-blob").deleteRetentionPolicy = { enabled: false };
                    delete s.in("data-blob").restorePolicy;
                },
            },
            {
                title: "7 days in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("data-blob").deleteRetentionPolicy.days = 7;
                    s.in("data-blob").restorePolicy.days = 6;
                },
            },
        ],
    },
    "storage-container-soft-delete": {
        compliant: golden,
        violating: [
            {
                title: "container soft delete off",
                mutate: (s) => {
                    s.in("data-blob").containerDeleteRetentionPolicy.enabled = false;
                },
            },
            {
                title: "14 days in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("data-blob").containerDeleteRetentionPolicy.days = 14;
                },
            },
        ],
    },
    "storage-versioning-change-feed": {
        compliant: golden,
        violating: [
            {
                title: "versioning off",
                mutate: (s) => {
                    s.in("data-blob").isVersioningEnabled = false;
                },
            },
            {
                title: "change feed off",
                mutate: (s) => {
                    s.in("data-blob").changeFeed = { enabled: false };
                },
            },
        ],
    },
    "storage-point-in-time-restore": {
        compliant: goldenProd,
        violating: [
            {
                title: "no restore policy in prod",
                env: "prod",
                mutate: (s) => {
                    delete s.in("data-blob").restorePolicy;
                },
            },
            {
                title: "restore days = soft-delete days",
                env: "prod",
                mutate: (s) => {
                    s.in("data-blob").restorePolicy.days = 30;
                },
            },
        ],
    },
    "storage-management-lock": {
        compliant: [
            ...goldenProd,
            {
                title: "resource-group lock instead",
                env: "prod",
                mutate: (s) => {
                    s.remove("data-lock");
                    s.add(
                        res(
                            "azure-native:authorization:ManagementLockAtResourceGroupLevel",
                            "rg-lock",
                            { level: "CanNotDelete", resourceGroupName: "rg-pachlab-test" },
                            { dependencies: [s.get("rg").urn] },
                        ),
                    );
                },
            },
        ],
        violating: [
            {
                title: "no lock in prod",
                env: "prod",
                mutate: (s) => {
                    s.remove("data-lock");
                },
            },
            {
                title: "ReadOnly lock is not CanNotDelete",
                env: "prod",
                mutate: (s) => {
                    s.in("data-lock").level = "ReadOnly";
                },
            },
        ],
    },
    "stateful-resource-options": {
        compliant: goldenProd,
        violating: [
            {
                title: "account not protected",
                env: "prod",
                mutate: (s) => {
                    s.get("data").protect = false;
                },
            },
            {
                title: "container not retained on delete (plan-only option)",
                env: "prod",
                mutate: (s) => {
                    s.get("data-container").retainOnDelete = false;
                },
            },
            {
                title: "cosmos replaceOnChanges",
                env: "prod",
                mutate: (s) => {
                    s.get("cosmos").replaceOnChanges = ["locations"];
                },
            },
            {
                title: "disk deletedWith",
                env: "prod",
                mutate: (s) => {
                    s.get("disk-etcd-0").deletedWith = s.get("aks").urn;
                },
            },
            {
                title: "postgres deleteBeforeReplace",
                env: "prod",
                mutate: (s) => {
                    s.get("psql").deleteBeforeReplace = true;
                },
            },
            // Every data-holding type of lib/resourceTypes.ts, in any spelling normalizeType folds.
            ...["azure-native:dbforpostgresql:Database", "azure-native:documentdb:SqlResourceSqlContainer"].map((type) => ({
                title: `unprotected ${type}`,
                env: "prod" as const,
                mutate: (s: Stack) => void s.add(res(type, "unprotected", {})),
            })),
        ],
    },
    "storage-container-immutability": {
        compliant: [
            ...golden,
            {
                title: "time-based immutability policy",
                env: "prod",
                mutate: (s) => {
                    delete s.in("data-container").immutableStorageWithVersioning;
                    s.add(
                        res(
                            "azure-native:storage:BlobContainerImmutabilityPolicy",
                            "data-immutability",
                            {
                                accountName: "stpachlabtest1a2b3c",
                                containerName: "pachyderm",
                                resourceGroupName: "rg-pachlab-test",
                                immutabilityPeriodSinceCreationInDays: 7,
                            },
                            { dependencies: [s.get("data-container").urn] },
                        ),
                    );
                },
            },
        ],
        violating: [
            {
                title: "no immutability",
                mutate: (s) => {
                    delete s.in("data-container").immutableStorageWithVersioning;
                },
            },
        ],
    },
};
