/** Storage (docs/policy.md rules 1-13): Pachyderm's object store, irreplaceable data. */
import * as storage from "@pulumi/azure-native/storage";
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { isStatefulType, isType } from "../../lib/resourceTypes";
import {
    asArray,
    azureName,
    dependsOn,
    envConfigSchema,
    eqi,
    extOpts,
    inI,
    isOneOf,
    mentionsName,
    num,
    ofType,
    Props,
    refersTo,
    resourceEnv,
    stackEnv,
    stackWith,
    validateResourceOfTypes,
} from "../util";
import { advisory, at, mandatory, Reporter } from "./common";
import { aksSubnetIds } from "./aks";

/** The blob service properties, containers, private endpoints... that belong to a storage account. */
function belongsToAccount(child: PolicyResource, account: PolicyResource, accounts: PolicyResource[]): boolean {
    const ownLinks = isOneOf(child.type, [
        "azure-native:network:PrivateEndpoint",
        "azure-native:authorization:ManagementLockAtResourceLevel",
        "azure-native:authorization:ManagementLockByScope",
    ]);
    if (accounts.length === 1 && !ownLinks) return true;
    if (dependsOn(child, account)) return true;
    const name = azureName(account);
    if (!name) return false;
    const p = child.props ?? {};
    return eqi(p.accountName, name) || eqi(p.resourceName, name) || mentionsName(p, name);
}

function blobServicesOf(args: StackValidationArgs, account: PolicyResource): PolicyResource[] {
    const accounts = ofType(args.resources, "azure-native:storage:StorageAccount");
    return ofType(args.resources, "azure-native:storage:BlobServiceProperties").filter((b) => belongsToAccount(b, account, accounts));
}

/** Runs `check` on each storage account's blob service properties; a missing one is a violation. */
function eachBlobService(
    args: StackValidationArgs,
    report: ReportViolation,
    check: (bs: Props, where: Reporter, account: PolicyResource) => void,
): void {
    for (const account of ofType(args.resources, "azure-native:storage:StorageAccount")) {
        const services = blobServicesOf(args, account);
        if (services.length === 0) {
            at(
                report,
                account,
            )(
                "no BlobServiceProperties resource configures this account's blob service (soft delete, versioning, change feed and restore are off by default)",
            );
            continue;
        }
        for (const bs of services) check(bs.props ?? {}, at(report, bs), account);
    }
}

export const storageRedundancy: ResourceValidationPolicy = {
    name: "storage-redundancy-gzrs",
    description:
        "Rule 1 (CKV_AZURE_206, Azure.Storage.UseReplication): storage accounts are StorageV2 without hierarchical namespace; Standard_GZRS or Standard_RAGZRS in production.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, args, report) => {
        if (sa.kind !== "StorageV2") report(`kind is '${sa.kind}', must be StorageV2`);
        if (sa.isHnsEnabled === true) report("isHnsEnabled must not be true (point-in-time restore needs a flat namespace)");
        if (resourceEnv(args) === "prod" && !inI(sa.sku?.name, ["Standard_GZRS", "Standard_RAGZRS"])) {
            report(`sku.name is '${sa.sku?.name}', production requires Standard_GZRS or Standard_RAGZRS`);
        }
    }),
};

export const storageHttpsTls: ResourceValidationPolicy = {
    name: "storage-https-tls12",
    description: "Rule 2 (CKV_AZURE_3, CKV_AZURE_44): storage accounts accept HTTPS only with minimum TLS 1.2.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (sa.enableHttpsTrafficOnly !== true) report("enableHttpsTrafficOnly must be true");
        if (!inI(sa.minimumTlsVersion, ["TLS1_2", "TLS1_3"]))
            report(`minimumTlsVersion is '${sa.minimumTlsVersion}', must be TLS1_2 (or higher)`);
    }),
};

export const storageNoPublicBlob: ResourceValidationPolicy = {
    name: "storage-no-public-blob-access",
    description:
        "Rule 3 (CKV_AZURE_190, CKV_AZURE_34): allowBlobPublicAccess false on the account and every container's publicAccess None.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes(
        ["azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer"],
        (p, args, report) => {
            if (isType(args.type, "azure-native:storage:StorageAccount")) {
                if (p.allowBlobPublicAccess !== false) report("allowBlobPublicAccess must be false");
            } else if (p.publicAccess !== undefined && p.publicAccess !== "None") {
                report(`publicAccess is '${p.publicAccess}', must be None`);
            }
        },
    ),
};

export const storagePrivateNetwork: StackValidationPolicy = {
    name: "storage-private-network",
    description:
        "Rule 4 (CKV_AZURE_59, CKV_AZURE_35, CKV_AZURE_36, CKV2_AZURE_33): storage public network access disabled (or default action Deny with the AKS subnet allowed) and a private endpoint for the account.",
    enforcementLevel: mandatory,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], (args, report) => {
        const aksSubnets = aksSubnetIds(args.resources);
        const accounts = ofType(args.resources, "azure-native:storage:StorageAccount");
        for (const account of accounts) {
            const p = account.props ?? {};
            const where = at(report, account);
            if (!eqi(p.publicNetworkAccess, "Disabled")) {
                const nrs = p.networkRuleSet ?? {};
                if (!eqi(nrs.defaultAction, "Deny")) {
                    where("publicNetworkAccess must be Disabled, or networkRuleSet.defaultAction Deny");
                } else {
                    const rules = asArray<Props>(nrs.virtualNetworkRules)
                        .map((r) => r.virtualNetworkResourceId)
                        .filter((x) => typeof x === "string");
                    if (rules.length === 0) where("networkRuleSet has no virtual network rule for the AKS subnet");
                    else if (aksSubnets.length > 0 && !rules.some((id) => aksSubnets.some((s) => eqi(id, s)))) {
                        where("networkRuleSet.virtualNetworkRules does not allow the AKS node subnet");
                    }
                    if (asArray(nrs.ipRules).length > 0) where("networkRuleSet.ipRules must be empty (no internet sources)");
                }
            }
            const endpoints = ofType(args.resources, "azure-native:network:PrivateEndpoint").filter((pe) =>
                [
                    ...asArray<Props>(pe.props?.privateLinkServiceConnections),
                    ...asArray<Props>(pe.props?.manualPrivateLinkServiceConnections),
                ].some(
                    (c) => asArray<string>(c.groupIds).some((g) => eqi(g, "blob")) && (refersTo(pe, account, c) || dependsOn(pe, account)),
                ),
            );
            if (endpoints.length === 0) where("no private endpoint (group 'blob') connects to this account");
        }
    }),
};

/** Keyless mode: policy config `storageAuthMode`, else on when the stack federates a workload identity. */
function keylessMode(args: StackValidationArgs): boolean {
    const mode = (args.getConfig() as { storageAuthMode?: string }).storageAuthMode;
    if (mode) return mode === "workloadIdentity";
    return ofType(args.resources, "azure-native:managedidentity:FederatedIdentityCredential").length > 0;
}

function checkKeyless(args: StackValidationArgs, report: ReportViolation): void {
    for (const account of ofType(args.resources, "azure-native:storage:StorageAccount")) {
        const p = account.props ?? {};
        const where = at(report, account);
        if (p.allowSharedKeyAccess !== false) where("allowSharedKeyAccess must be false");
        if (p.defaultToOAuthAuthentication !== true) where("defaultToOAuthAuthentication must be true");
        if (p.isLocalUserEnabled !== false) where("isLocalUserEnabled must be false");
        if (p.allowCrossTenantReplication !== false) where("allowCrossTenantReplication must be false");
    }
}

const storageAuthSchema = {
    properties: { storageAuthMode: { type: "string" as const, enum: ["workloadIdentity", "sharedKey"] } },
};

export const storageKeyless: StackValidationPolicy = {
    name: "storage-keyless-auth",
    description:
        "Rule 5 (CKV2_AZURE_40), keyless mode: shared key access off, OAuth by default, local users off, cross-tenant replication off. Keyless mode = policy config storageAuthMode=workloadIdentity, else a FederatedIdentityCredential in the stack.",
    enforcementLevel: mandatory,
    configSchema: storageAuthSchema,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], (args, report) => {
        if (!keylessMode(args)) args.notApplicable("keyless mode is off (see storage-keyless-auth-advisory)");
        checkKeyless(args, report);
    }),
};

export const storageKeylessAdvisory: StackValidationPolicy = {
    name: "storage-keyless-auth-advisory",
    description:
        "Rule 5 (CKV2_AZURE_40), shared-key mode: shared key access off, OAuth by default, local users off, cross-tenant replication off (advisory when keyless mode is off).",
    enforcementLevel: advisory,
    configSchema: storageAuthSchema,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], (args, report) => {
        if (keylessMode(args)) args.notApplicable("keyless mode is on (see storage-keyless-auth)");
        checkKeyless(args, report);
    }),
};

export const storageInfraEncryption: ResourceValidationPolicy = {
    name: "storage-infrastructure-encryption",
    description: "Rule 6 (CKV2_AZURE_1): storage infrastructure (double) encryption on; it can only be set at creation.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (sa.encryption?.requireInfrastructureEncryption !== true) report("encryption.requireInfrastructureEncryption must be true");
    }),
};

export const storageCmk: ResourceValidationPolicy = {
    name: "storage-customer-managed-key",
    description: "Rule 6 (CKV2_AZURE_1): storage encrypted with a customer-managed key (advisory).",
    enforcementLevel: advisory,
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (!eqi(sa.encryption?.keySource, "Microsoft.Keyvault"))
            report("encryption.keySource is not Microsoft.Keyvault (platform-managed key)");
    }),
};

function retentionCheck(field: "deleteRetentionPolicy" | "containerDeleteRetentionPolicy", what: string) {
    return (args: StackValidationArgs, report: ReportViolation) => {
        const prod = stackEnv(args) === "prod";
        eachBlobService(args, report, (bs, where) => {
            const pol = bs[field] ?? {};
            if (pol.enabled !== true) where(`${field}.enabled must be true (${what} soft delete)`);
            else if (prod && !((num(pol.days) ?? 0) >= 30)) where(`${field}.days is ${pol.days}, production requires 30 or more`);
            else if (num(pol.days) === undefined) where(`${field}.days must be set`);
        });
    };
}

export const storageBlobSoftDelete: StackValidationPolicy = {
    name: "storage-blob-soft-delete",
    description: "Rule 7 (CKV2_AZURE_38, Azure.Storage.SoftDelete): blob soft delete enabled, 30+ days in production.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], retentionCheck("deleteRetentionPolicy", "blob")),
};

export const storageContainerSoftDelete: StackValidationPolicy = {
    name: "storage-container-soft-delete",
    description: "Rule 8 (Azure.Storage.ContainerSoftDelete): container soft delete enabled, 30+ days in production.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], retentionCheck("containerDeleteRetentionPolicy", "container")),
};

export const storageVersioning: StackValidationPolicy = {
    name: "storage-versioning-change-feed",
    description: "Rule 9 (WAF Azure Blob Storage service guide): blob versioning and change feed on.",
    enforcementLevel: mandatory,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], (args, report) => {
        eachBlobService(args, report, (bs, where) => {
            if (bs.isVersioningEnabled !== true) where("isVersioningEnabled must be true");
            if (bs.changeFeed?.enabled !== true) where("changeFeed.enabled must be true");
        });
    }),
};

export const storagePitr: StackValidationPolicy = {
    name: "storage-point-in-time-restore",
    description:
        "Rule 10 (WAF Azure Blob Storage service guide), production: point-in-time restore on, restore days at most blob soft-delete days minus 1.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        eachBlobService(args, report, (bs, where) => {
            const rp = bs.restorePolicy ?? {};
            if (rp.enabled !== true) {
                where("restorePolicy.enabled must be true");
                return;
            }
            const days = num(rp.days);
            const soft = num(bs.deleteRetentionPolicy?.days);
            if (days === undefined || days < 1) where("restorePolicy.days must be set (1 or more)");
            else if (soft === undefined || days > soft - 1)
                where(
                    `restorePolicy.days (${days}) must be at most deleteRetentionPolicy.days minus 1 (${soft === undefined ? "unset" : soft - 1})`,
                );
        });
    }),
};

function isCanNotDelete(r: PolicyResource): boolean {
    return eqi(r.props?.level, "CanNotDelete");
}

export const storageLock: StackValidationPolicy = {
    name: "storage-management-lock",
    description:
        "Rule 11 (Azure.Storage / WAF), production: a CanNotDelete management lock on the data storage account or its resource group.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(["azure-native:storage:StorageAccount"], (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        const locks = ofType(
            args.resources,
            "azure-native:authorization:ManagementLockAtResourceLevel",
            "azure-native:authorization:ManagementLockAtResourceGroupLevel",
            "azure-native:authorization:ManagementLockByScope",
        ).filter(isCanNotDelete);
        const groups = ofType(args.resources, "azure-native:resources:ResourceGroup");
        for (const account of ofType(args.resources, "azure-native:storage:StorageAccount")) {
            const rgName = account.props?.resourceGroupName;
            const accountGroups = groups.filter((g) => dependsOn(account, g) || (typeof rgName === "string" && eqi(azureName(g), rgName)));
            const ok = locks.some((l) => {
                const p = l.props ?? {};
                if (isType(l.type, "azure-native:authorization:ManagementLockAtResourceLevel")) {
                    return (
                        eqi(p.resourceProviderNamespace, "Microsoft.Storage") &&
                        eqi(p.resourceType, "storageAccounts") &&
                        (dependsOn(l, account) || eqi(p.resourceName, azureName(account) ?? "\u0000"))
                    );
                }
                if (isType(l.type, "azure-native:authorization:ManagementLockByScope")) {
                    return (
                        dependsOn(l, account) ||
                        mentionsName(p.scope, azureName(account)) ||
                        accountGroups.some((g) => dependsOn(l, g) || mentionsName(p.scope, azureName(g)))
                    );
                }
                // Resource-group level lock on the account's group.
                return accountGroups.some((g) => dependsOn(l, g)) || (typeof rgName === "string" && eqi(p.resourceGroupName, rgName));
            });
            if (!ok) at(report, account)("no CanNotDelete management lock on the account or its resource group");
        }
    }),
};

/**
 * Resources covered by stateful-resource-options (docs/policy.md rule 12): the types that hold data
 * (lib/resourceTypes.ts) and the resource group, whose deletion deletes all of them. retainOnDelete is required of
 * the object store's account and container only (components/azure/guard.ts sets it on every stateful resource).
 */
function statefulSpec(type: string): { retain: boolean } | undefined {
    if (isOneOf(type, ["azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer"])) return { retain: true };
    return isStatefulType(type) || isType(type, "azure-native:resources:ResourceGroup") ? { retain: false } : undefined;
}

export const statefulOptions: StackValidationPolicy = {
    name: "stateful-resource-options",
    description:
        "Rule 12 (Pulumi resource options), production: protect on the resource group and on every type that holds data (lib/resourceTypes.ts: storage account, blob service properties, data container, Cosmos account, database and containers, metadata disks/volumes, PostgreSQL server and databases); retainOnDelete on the account and container; no deletedWith, replaceOnChanges or deleteBeforeReplace. (retainOnDelete, deletedWith and replaceOnChanges are not sent to policies by the engine: they are checked offline, over the plan.)",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: (args, report) => {
        if (!args.resources.some((r) => statefulSpec(r.type))) args.notApplicable("No stateful resources in the stack");
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        for (const r of args.resources) {
            const spec = statefulSpec(r.type);
            if (!spec) continue;
            const where = at(report, r);
            const o = extOpts(r);
            if (r.opts?.protect !== true) where("protect must be true");
            if (r.opts?.deleteBeforeReplace === true) where("deleteBeforeReplace must not be set");
            if (spec.retain && o.retainOnDelete === false) where("retainOnDelete must be true");
            if (o.deletedWith) where(`deletedWith must not be set (is ${o.deletedWith})`);
            if (asArray(o.replaceOnChanges).length > 0)
                where(`replaceOnChanges must not be set (is ${JSON.stringify(o.replaceOnChanges)})`);
        }
    },
};

export const containerImmutability: StackValidationPolicy = {
    name: "storage-container-immutability",
    description:
        "Rule 13 (WAF Azure Blob Storage service guide): version-level or time-based immutability on the data container (advisory).",
    enforcementLevel: advisory,
    validateStack: stackWith(["azure-native:storage:BlobContainer"], (args, report) => {
        const policies = ofType(args.resources, "azure-native:storage:BlobContainerImmutabilityPolicy");
        for (const c of ofType(args.resources, "azure-native:storage:BlobContainer")) {
            if (c.props?.immutableStorageWithVersioning?.enabled === true) continue;
            if (policies.some((p) => dependsOn(p, c) || eqi(p.props?.containerName, azureName(c) ?? "\u0000"))) continue;
            at(report, c)("no version-level immutability (immutableStorageWithVersioning) and no BlobContainerImmutabilityPolicy");
        }
    }),
};
