/**
 * Every rule of /work/shared/reference/security-rules.md as a CrossGuard policy (plain objects: no
 * PolicyPack is constructed here, so the offline evaluator and the tests load this module freely).
 *
 * Conventions
 * - One policy per rule, named after what it checks; the description starts with "Rule N (public IDs)".
 * - "M" rules are `mandatory`, "A" rules `advisory`. Rules that mix both ("M when X, else A",
 *   "...; customer-managed key A") are split into two policies.
 * - Production-only rules (or parts) use the environment KIND: policy config `environment` when set,
 *   else the `environment` tag (of the resource for resource policies on tagged Azure resources, of
 *   the stack's Azure resources for stack policies). Kubernetes objects carry no tags, so every rule
 *   with a production-only part on them (or on untagged Azure sub-resources: blob service
 *   properties, containers, locks, agent pools) is a stack policy.
 * - Settings that guard against leaks or data loss must be set explicitly: an Azure API default is not
 *   relied upon (defaults have changed across API versions).
 */
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import * as compute from "@pulumi/azure-native/compute";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as storage from "@pulumi/azure-native/storage";
import { securityRuleProblems } from "../lib/arm";
import { isGlusterBrickDiskName } from "../lib/naming";
import { GLUSTER_ROLL_POLICY, glusterOneNodeAtATime } from "./glusterRoll";
import {
    containersOf,
    imagePinned,
    isEmptySelector,
    isNamespacedK8s,
    K8S,
    peerRole,
    podView,
    selectorMatches,
    WORKLOAD_TYPES,
    workloadRole,
    workloads,
} from "./k8s";
import {
    asArray,
    azureName,
    dependsOn,
    envConfigSchema,
    eqi,
    extOpts,
    hasAllZones,
    inI,
    label,
    mentionsName,
    num,
    ofType,
    Props,
    refersTo,
    resourceEnv,
    SECRET_MARKER,
    stackEnv,
    stackWith,
    validateResourceOfTypes,
} from "./util";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Azure type tokens used by the stack policies. */
export const AZ = {
    StorageAccount: "azure-native:storage:StorageAccount",
    BlobServiceProperties: "azure-native:storage:BlobServiceProperties",
    BlobContainer: "azure-native:storage:BlobContainer",
    BlobContainerImmutabilityPolicy: "azure-native:storage:BlobContainerImmutabilityPolicy",
    PrivateEndpoint: "azure-native:network:PrivateEndpoint",
    LockAtResource: "azure-native:authorization:ManagementLockAtResourceLevel",
    LockAtResourceGroup: "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    LockByScope: "azure-native:authorization:ManagementLockByScope",
    ResourceGroup: "azure-native:resources:ResourceGroup",
    ManagedCluster: "azure-native:containerservice:ManagedCluster",
    AgentPool: "azure-native:containerservice:AgentPool",
    MaintenanceConfiguration: "azure-native:containerservice:MaintenanceConfiguration",
    NetworkSecurityGroup: "azure-native:network:NetworkSecurityGroup",
    SecurityRule: "azure-native:network:SecurityRule",
    Subnet: "azure-native:network:Subnet",
    VirtualNetwork: "azure-native:network:VirtualNetwork",
    NetworkInterface: "azure-native:network:NetworkInterface",
    PublicIPAddress: "azure-native:network:PublicIPAddress",
    LoadBalancer: "azure-native:network:LoadBalancer",
    InboundNatRule: "azure-native:network:InboundNatRule",
    VirtualMachine: "azure-native:compute:VirtualMachine",
    Disk: "azure-native:compute:Disk",
    CosmosAccount: "azure-native:cosmosdb:DatabaseAccount",
    PostgresServer: "azure-native:dbforpostgresql:Server",
    PostgresFirewallRule: "azure-native:dbforpostgresql:FirewallRule",
    PostgresConfiguration: "azure-native:dbforpostgresql:Configuration",
    KeyVault: "azure-native:keyvault:Vault",
    FederatedIdentityCredential: "azure-native:managedidentity:FederatedIdentityCredential",
    UserAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
    RoleAssignment: "azure-native:authorization:RoleAssignment",
} as const;

const mandatory = "mandatory" as const;
const advisory = "advisory" as const;

type Reporter = (message: string, urn?: string) => void;

function at(report: ReportViolation, r: PolicyResource): Reporter {
    return (m) => report(`${label(r)}: ${m}`, r.urn);
}

// ================================================================================================
// Storage (rules 1-13)
// ================================================================================================

/** The blob service properties, containers, private endpoints... that belong to a storage account. */
function belongsToAccount(child: PolicyResource, account: PolicyResource, accounts: PolicyResource[]): boolean {
    if (accounts.length === 1 && child.type !== AZ.PrivateEndpoint && child.type !== AZ.LockAtResource && child.type !== AZ.LockByScope)
        return true;
    if (dependsOn(child, account)) return true;
    const name = azureName(account);
    if (!name) return false;
    const p = child.props ?? {};
    return eqi(p.accountName, name) || eqi(p.resourceName, name) || mentionsName(p, name);
}

function blobServicesOf(args: StackValidationArgs, account: PolicyResource): PolicyResource[] {
    const accounts = ofType(args.resources, AZ.StorageAccount);
    return ofType(args.resources, AZ.BlobServiceProperties).filter((b) => belongsToAccount(b, account, accounts));
}

/** Runs `check` on each storage account's blob service properties; a missing one is a violation. */
function eachBlobService(
    args: StackValidationArgs,
    report: ReportViolation,
    check: (bs: Props, where: Reporter, account: PolicyResource) => void,
): void {
    for (const account of ofType(args.resources, AZ.StorageAccount)) {
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

const storageRedundancy: ResourceValidationPolicy = {
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

const storageHttpsTls: ResourceValidationPolicy = {
    name: "storage-https-tls12",
    description: "Rule 2 (CKV_AZURE_3, CKV_AZURE_44): storage accounts accept HTTPS only with minimum TLS 1.2.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (sa.enableHttpsTrafficOnly !== true) report("enableHttpsTrafficOnly must be true");
        if (!inI(sa.minimumTlsVersion, ["TLS1_2", "TLS1_3"]))
            report(`minimumTlsVersion is '${sa.minimumTlsVersion}', must be TLS1_2 (or higher)`);
    }),
};

const storageNoPublicBlob: ResourceValidationPolicy = {
    name: "storage-no-public-blob-access",
    description:
        "Rule 3 (CKV_AZURE_190, CKV_AZURE_34): allowBlobPublicAccess false on the account and every container's publicAccess None.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes([AZ.StorageAccount, AZ.BlobContainer], (p, args, report) => {
        if (args.type === AZ.StorageAccount) {
            if (p.allowBlobPublicAccess !== false) report("allowBlobPublicAccess must be false");
        } else if (p.publicAccess !== undefined && p.publicAccess !== "None") {
            report(`publicAccess is '${p.publicAccess}', must be None`);
        }
    }),
};

const storagePrivateNetwork: StackValidationPolicy = {
    name: "storage-private-network",
    description:
        "Rule 4 (CKV_AZURE_59, CKV_AZURE_35, CKV_AZURE_36, CKV2_AZURE_33): storage public network access disabled (or default action Deny with the AKS subnet allowed) and a private endpoint for the account.",
    enforcementLevel: mandatory,
    validateStack: stackWith([AZ.StorageAccount], (args, report) => {
        const aksSubnets = aksSubnetIds(args.resources);
        const accounts = ofType(args.resources, AZ.StorageAccount);
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
            const endpoints = ofType(args.resources, AZ.PrivateEndpoint).filter((pe) =>
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
    return ofType(args.resources, AZ.FederatedIdentityCredential).length > 0;
}

function checkKeyless(args: StackValidationArgs, report: ReportViolation): void {
    for (const account of ofType(args.resources, AZ.StorageAccount)) {
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

const storageKeyless: StackValidationPolicy = {
    name: "storage-keyless-auth",
    description:
        "Rule 5 (CKV2_AZURE_40), keyless mode: shared key access off, OAuth by default, local users off, cross-tenant replication off. Keyless mode = policy config storageAuthMode=workloadIdentity, else a FederatedIdentityCredential in the stack.",
    enforcementLevel: mandatory,
    configSchema: storageAuthSchema,
    validateStack: stackWith([AZ.StorageAccount], (args, report) => {
        if (!keylessMode(args)) args.notApplicable("keyless mode is off (see storage-keyless-auth-advisory)");
        checkKeyless(args, report);
    }),
};

const storageKeylessAdvisory: StackValidationPolicy = {
    name: "storage-keyless-auth-advisory",
    description:
        "Rule 5 (CKV2_AZURE_40), shared-key mode: shared key access off, OAuth by default, local users off, cross-tenant replication off (advisory when keyless mode is off).",
    enforcementLevel: advisory,
    configSchema: storageAuthSchema,
    validateStack: stackWith([AZ.StorageAccount], (args, report) => {
        if (keylessMode(args)) args.notApplicable("keyless mode is on (see storage-keyless-auth)");
        checkKeyless(args, report);
    }),
};

const storageInfraEncryption: ResourceValidationPolicy = {
    name: "storage-infrastructure-encryption",
    description: "Rule 6 (CKV2_AZURE_1): storage infrastructure (double) encryption on; it can only be set at creation.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (sa.encryption?.requireInfrastructureEncryption !== true) report("encryption.requireInfrastructureEncryption must be true");
    }),
};

const storageCmk: ResourceValidationPolicy = {
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

const storageBlobSoftDelete: StackValidationPolicy = {
    name: "storage-blob-soft-delete",
    description: "Rule 7 (CKV2_AZURE_38, Azure.Storage.SoftDelete): blob soft delete enabled, 30+ days in production.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.StorageAccount], retentionCheck("deleteRetentionPolicy", "blob")),
};

const storageContainerSoftDelete: StackValidationPolicy = {
    name: "storage-container-soft-delete",
    description: "Rule 8 (Azure.Storage.ContainerSoftDelete): container soft delete enabled, 30+ days in production.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.StorageAccount], retentionCheck("containerDeleteRetentionPolicy", "container")),
};

const storageVersioning: StackValidationPolicy = {
    name: "storage-versioning-change-feed",
    description: "Rule 9 (WAF Azure Blob Storage service guide): blob versioning and change feed on.",
    enforcementLevel: mandatory,
    validateStack: stackWith([AZ.StorageAccount], (args, report) => {
        eachBlobService(args, report, (bs, where) => {
            if (bs.isVersioningEnabled !== true) where("isVersioningEnabled must be true");
            if (bs.changeFeed?.enabled !== true) where("changeFeed.enabled must be true");
        });
    }),
};

const storagePitr: StackValidationPolicy = {
    name: "storage-point-in-time-restore",
    description:
        "Rule 10 (WAF Azure Blob Storage service guide), production: point-in-time restore on, restore days at most blob soft-delete days minus 1.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.StorageAccount], (args, report) => {
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

const storageLock: StackValidationPolicy = {
    name: "storage-management-lock",
    description:
        "Rule 11 (Azure.Storage / WAF), production: a CanNotDelete management lock on the data storage account or its resource group.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.StorageAccount], (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        const locks = ofType(args.resources, AZ.LockAtResource, AZ.LockAtResourceGroup, AZ.LockByScope).filter(isCanNotDelete);
        const groups = ofType(args.resources, AZ.ResourceGroup);
        for (const account of ofType(args.resources, AZ.StorageAccount)) {
            const rgName = account.props?.resourceGroupName;
            const accountGroups = groups.filter((g) => dependsOn(account, g) || (typeof rgName === "string" && eqi(azureName(g), rgName)));
            const ok = locks.some((l) => {
                const p = l.props ?? {};
                if (l.type === AZ.LockAtResource) {
                    return (
                        eqi(p.resourceProviderNamespace, "Microsoft.Storage") &&
                        eqi(p.resourceType, "storageAccounts") &&
                        (dependsOn(l, account) || eqi(p.resourceName, azureName(account) ?? "\u0000"))
                    );
                }
                if (l.type === AZ.LockByScope) {
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

/** Types covered by rule 12, and whether they also need retainOnDelete. */
const STATEFUL_TYPES: Record<string, { retain: boolean }> = {
    [AZ.ResourceGroup]: { retain: false },
    [AZ.StorageAccount]: { retain: true },
    [AZ.BlobContainer]: { retain: true },
    [AZ.BlobServiceProperties]: { retain: false },
    [AZ.CosmosAccount]: { retain: false },
    [AZ.Disk]: { retain: false },
    [AZ.PostgresServer]: { retain: false },
    [K8S.PersistentVolume]: { retain: false },
};

const statefulOptions: StackValidationPolicy = {
    name: "stateful-resource-options",
    description:
        "Rule 12 (Pulumi resource options), production: protect on the resource group, storage account, data container, blob service properties, Cosmos account, metadata disks/volumes and PostgreSQL server; retainOnDelete on the account and container; no deletedWith, replaceOnChanges or deleteBeforeReplace. (retainOnDelete, deletedWith and replaceOnChanges are not sent to policies by the engine: they are checked offline, over the plan.)",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(Object.keys(STATEFUL_TYPES), (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        for (const r of args.resources) {
            const spec = STATEFUL_TYPES[r.type];
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
    }),
};

const containerImmutability: StackValidationPolicy = {
    name: "storage-container-immutability",
    description:
        "Rule 13 (WAF Azure Blob Storage service guide): version-level or time-based immutability on the data container (advisory).",
    enforcementLevel: advisory,
    validateStack: stackWith([AZ.BlobContainer], (args, report) => {
        const policies = ofType(args.resources, AZ.BlobContainerImmutabilityPolicy);
        for (const c of ofType(args.resources, AZ.BlobContainer)) {
            if (c.props?.immutableStorageWithVersioning?.enabled === true) continue;
            if (policies.some((p) => dependsOn(p, c) || eqi(p.props?.containerName, azureName(c) ?? "\u0000"))) continue;
            at(report, c)("no version-level immutability (immutableStorageWithVersioning) and no BlobContainerImmutabilityPolicy");
        }
    }),
};

// ================================================================================================
// AKS (rules 14-22)
// ================================================================================================

/** Every node pool: inline agentPoolProfiles of the clusters plus AgentPool resources. */
function nodePools(resources: PolicyResource[]): { pool: Props; owner: PolicyResource; label: string }[] {
    const out: { pool: Props; owner: PolicyResource; label: string }[] = [];
    for (const c of ofType(resources, AZ.ManagedCluster)) {
        for (const p of asArray<Props>(c.props?.agentPoolProfiles)) out.push({ pool: p, owner: c, label: `node pool '${p.name}'` });
    }
    for (const a of ofType(resources, AZ.AgentPool))
        out.push({ pool: a.props ?? {}, owner: a, label: `node pool '${a.props?.agentPoolName ?? a.name}'` });
    return out;
}

function aksSubnetIds(resources: PolicyResource[]): string[] {
    return nodePools(resources)
        .map((p) => p.pool.vnetSubnetID)
        .filter((s): s is string => typeof s === "string" && s !== SECRET_MARKER);
}

function poolReport(report: ReportViolation, np: { owner: PolicyResource; label: string }): Reporter {
    return (m) => report(`${label(np.owner)}, ${np.label}: ${m}`, np.owner.urn);
}

const aksRbac: ResourceValidationPolicy = {
    name: "aks-rbac-entra-id",
    description:
        "Rule 14 (CKV_AZURE_5, CKV_AZURE_141): Kubernetes RBAC, managed Entra ID with Azure RBAC; local accounts disabled in production.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, args, report) => {
        if (mc.enableRBAC !== true) report("enableRBAC must be true");
        if (mc.aadProfile?.managed !== true) report("aadProfile.managed must be true");
        if (mc.aadProfile?.enableAzureRBAC !== true) report("aadProfile.enableAzureRBAC must be true");
        if (resourceEnv(args) === "prod" && mc.disableLocalAccounts !== true) report("disableLocalAccounts must be true in production");
    }),
};

const OPEN_CIDRS = ["0.0.0.0/0", "*", "0.0.0.0", "::/0", "internet", "any"];

const aksApiServer: ResourceValidationPolicy = {
    name: "aks-api-server-access",
    description: "Rule 15 (CKV_AZURE_6, CKV_AZURE_115): private API server, or authorized IP ranges that never include 0.0.0.0/0.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        const prof = mc.apiServerAccessProfile ?? {};
        const ranges = asArray<string>(prof.authorizedIPRanges);
        const open = ranges.filter((r) => inI(r, OPEN_CIDRS));
        if (open.length > 0) report(`authorizedIPRanges include ${open.join(", ")}`);
        if (prof.enablePrivateCluster !== true && ranges.length === 0) {
            report("the API server is public with no authorizedIPRanges: enable the private cluster or set authorized ranges");
        }
    }),
};

const aksNetwork: ResourceValidationPolicy = {
    name: "aks-network-cni-policy",
    description:
        "Rule 16 (CKV_AZURE_7, CKV2_AZURE_29): Azure CNI (overlay fine), a network policy engine (azure, calico or cilium), standard load balancer.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        const np = mc.networkProfile ?? {};
        if (!eqi(np.networkPlugin, "azure")) report(`networkProfile.networkPlugin is '${np.networkPlugin}', must be azure`);
        if (!inI(np.networkPolicy, ["azure", "calico", "cilium"]))
            report(`networkProfile.networkPolicy is '${np.networkPolicy}', must be azure, calico or cilium`);
        if (!eqi(np.loadBalancerSku, "standard")) report(`networkProfile.loadBalancerSku is '${np.loadBalancerSku}', must be standard`);
    }),
};

const aksTier: ResourceValidationPolicy = {
    name: "aks-sku-tier",
    description: "Rule 17 (CKV_AZURE_170), production: AKS control-plane tier Standard or Premium.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, args, report) => {
        if (resourceEnv(args) !== "prod") args.notApplicable("production-only rule");
        if (!inI(mc.sku?.tier, ["Standard", "Premium"])) report(`sku.tier is '${mc.sku?.tier}', production requires Standard or Premium`);
    }),
};

const aksZones: StackValidationPolicy = {
    name: "aks-node-pools-zonal",
    description:
        "Rule 18 (CKV_AZURE_143), production: every node pool spans zones 1-3, is a virtual machine scale set and has no node public IPs.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.ManagedCluster, AZ.AgentPool], (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        for (const np of nodePools(args.resources)) {
            const where = poolReport(report, np);
            if (!hasAllZones(np.pool.availabilityZones))
                where(`availabilityZones ${JSON.stringify(np.pool.availabilityZones ?? [])} must include 1, 2 and 3`);
            if (np.pool.type !== undefined && !eqi(np.pool.type, "VirtualMachineScaleSets"))
                where(`type is '${np.pool.type}', must be VirtualMachineScaleSets`);
            if (np.pool.enableNodePublicIP === true) where("enableNodePublicIP must be false");
        }
    }),
};

const aksPoolSizing: StackValidationPolicy = {
    name: "aks-node-pool-sizing",
    description:
        "Rule 19 (CKV_AZURE_232), production: a system pool of 3+ nodes tainted CriticalAddonsOnly, and a user pool with autoscaling, minimum 2+.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.ManagedCluster], (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        const pools = nodePools(args.resources);
        const system = pools.filter((p) => eqi(p.pool.mode, "System"));
        const user = pools.filter((p) => eqi(p.pool.mode, "User"));
        for (const c of ofType(args.resources, AZ.ManagedCluster)) {
            if (system.length === 0) at(report, c)("no System mode node pool");
            if (user.length === 0) at(report, c)("no User mode node pool");
        }
        for (const np of system) {
            const where = poolReport(report, np);
            const size = np.pool.enableAutoScaling === true ? num(np.pool.minCount) : num(np.pool.count);
            if (!(size !== undefined && size >= 3))
                where(`system pool has ${size ?? "unset"} nodes (${np.pool.enableAutoScaling ? "minCount" : "count"}), needs 3 or more`);
            if (!asArray<string>(np.pool.nodeTaints).some((t) => t.startsWith("CriticalAddonsOnly")))
                where("system pool must be tainted CriticalAddonsOnly=true:NoSchedule");
        }
        if (user.length > 0 && !user.some((np) => np.pool.enableAutoScaling === true && (num(np.pool.minCount) ?? 0) >= 2)) {
            for (const np of user)
                poolReport(
                    report,
                    np,
                )(
                    `user pool needs enableAutoScaling with minCount 2 or more (has enableAutoScaling=${np.pool.enableAutoScaling}, minCount=${np.pool.minCount})`,
                );
        }
    }),
};

/**
 * AKS taints Spot nodes `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` and labels them
 * `kubernetes.azure.com/scalesetpriority: spot` (https://learn.microsoft.com/azure/aks/spot-node-pool#limitations).
 */
const SPOT_KEY = "kubernetes.azure.com/scalesetpriority";

/** True for a toleration that lets a pod onto Spot nodes: the Spot key, or an empty key with operator Exists (tolerates every taint). */
function toleratesSpot(t: Props): boolean {
    if (t.effect !== undefined && t.effect !== "" && t.effect !== "NoSchedule") return false;
    if (t.key === SPOT_KEY) return t.operator === "Exists" || t.value === "spot";
    return (t.key === undefined || t.key === "") && t.operator === "Exists";
}

/** True when a pod spec selects Spot nodes (nodeSelector or required node affinity on the Spot label). */
function selectsSpot(spec: Props): boolean {
    if (spec.nodeSelector?.[SPOT_KEY] === "spot") return true;
    const terms = asArray<Props>(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
    return terms.some((t) =>
        asArray<Props>(t.matchExpressions).some(
            (e) => e.key === SPOT_KEY && e.operator === "In" && asArray<string>(e.values).includes("spot"),
        ),
    );
}

const aksSpotWorkersOnly: StackValidationPolicy = {
    name: "aks-spot-workers-only",
    description:
        "Rule 19 (AKS Spot node pools): a Spot pool is a User pool with eviction policy Delete and max price -1, next to a regular pool without CriticalAddonsOnly that Pachyderm's control plane can run on; no workload the program declares (Pachyderm's control plane, its jobs) tolerates or selects Spot nodes - only pipeline workers, which pachd creates, may.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        const pools = nodePools(args.resources);
        const all = workloads(args.resources);
        if (pools.length === 0 && all.length === 0) args.notApplicable("no node pools or Kubernetes workloads");
        const spot = pools.filter((np) => eqi(np.pool.scaleSetPriority, "Spot"));
        for (const np of spot) {
            const where = poolReport(report, np);
            if (!eqi(np.pool.mode, "User")) where("a Spot pool must be a User pool (AKS refuses Spot system pools)");
            if (np.pool.scaleSetEvictionPolicy !== undefined && !eqi(np.pool.scaleSetEvictionPolicy, "Delete"))
                where("scaleSetEvictionPolicy must be Delete (deallocated nodes keep counting against the quota)");
            if (num(np.pool.spotMaxPrice) !== -1)
                where(`spotMaxPrice must be -1 (pay at most the pay-as-you-go price, never evicted for price), is ${np.pool.spotMaxPrice}`);
        }
        const regularUntainted = pools.filter(
            (np) =>
                !eqi(np.pool.scaleSetPriority, "Spot") &&
                !asArray<string>(np.pool.nodeTaints).some((t) => t.startsWith("CriticalAddonsOnly")),
        );
        if (spot.length > 0 && regularUntainted.length === 0) {
            poolReport(
                report,
                spot[0],
            )("every regular pool is tainted CriticalAddonsOnly: Pachyderm's control plane would have no node to run on");
        }
        for (const { r, v } of all) {
            if (asArray<Props>(v.spec.tolerations).some(toleratesSpot))
                at(report, r)(`${v.kind} ${v.name} tolerates Spot nodes (${SPOT_KEY}): only pipeline workers may`);
            if (selectsSpot(v.spec)) at(report, r)(`${v.kind} ${v.name} selects Spot nodes (${SPOT_KEY}=spot): only pipeline workers may`);
        }
    },
};

function addon(profiles: Props | undefined, ...names: string[]): Props | undefined {
    for (const [k, v] of Object.entries(profiles ?? {})) if (inI(k, names)) return v as Props;
    return undefined;
}

const aksAddons: ResourceValidationPolicy = {
    name: "aks-addons-monitoring",
    description:
        "Rule 20 (CKV_AZURE_116, CKV_AZURE_4, CKV_AZURE_8): Azure Policy add-on and monitoring (Container Insights or managed Prometheus) on; Kubernetes dashboard and HTTP application routing off.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        const ap = mc.addonProfiles as Props | undefined;
        if (addon(ap, "azurepolicy")?.enabled !== true) report("addonProfiles.azurepolicy must be enabled");
        const insights = addon(ap, "omsagent", "omsAgent")?.enabled === true;
        const prometheus = mc.azureMonitorProfile?.metrics?.enabled === true;
        if (!insights && !prometheus)
            report(
                "monitoring is off: enable addonProfiles.omsagent (Container Insights) or azureMonitorProfile.metrics (managed Prometheus)",
            );
        if (addon(ap, "kubeDashboard")?.enabled === true) report("addonProfiles.kubeDashboard must be disabled");
        if (addon(ap, "httpApplicationRouting")?.enabled === true) report("addonProfiles.httpApplicationRouting must be disabled");
    }),
};

const aksWorkloadIdentity: ResourceValidationPolicy = {
    name: "aks-workload-identity",
    description: "Rule 21 (AKS baseline): OIDC issuer and workload identity on.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        if (mc.oidcIssuerProfile?.enabled !== true) report("oidcIssuerProfile.enabled must be true");
        if (mc.securityProfile?.workloadIdentity?.enabled !== true) report("securityProfile.workloadIdentity.enabled must be true");
    }),
};

const aksOperations: StackValidationPolicy = {
    name: "aks-upgrade-and-node-hardening",
    description:
        "Rule 22 (CKV_AZURE_171, CKV_AZURE_226, CKV_AZURE_227, CKV_AZURE_168): auto-upgrade channel with a maintenance window, ephemeral OS disks, encryption at host, maxPods 30+ (advisory).",
    enforcementLevel: advisory,
    validateStack: stackWith([AZ.ManagedCluster], (args, report) => {
        const windows = ofType(args.resources, AZ.MaintenanceConfiguration);
        for (const c of ofType(args.resources, AZ.ManagedCluster)) {
            const ch = c.props?.autoUpgradeProfile?.upgradeChannel;
            if (!ch || eqi(ch, "none")) at(report, c)("autoUpgradeProfile.upgradeChannel is not set");
            const own = windows.filter(
                (w) =>
                    dependsOn(w, c) ||
                    eqi(w.props?.resourceName, azureName(c) ?? "\u0000") ||
                    ofType(args.resources, AZ.ManagedCluster).length === 1,
            );
            if (!own.some((w) => w.props?.maintenanceWindow || asArray(w.props?.timeInWeek).length > 0))
                at(report, c)("no MaintenanceConfiguration with a maintenance window");
        }
        for (const np of nodePools(args.resources)) {
            const where = poolReport(report, np);
            if (!eqi(np.pool.osDiskType, "Ephemeral")) where(`osDiskType is '${np.pool.osDiskType}', Ephemeral advised`);
            if (np.pool.enableEncryptionAtHost !== true) where("enableEncryptionAtHost is not true");
            if (!((num(np.pool.maxPods) ?? 0) >= 30)) where(`maxPods is ${np.pool.maxPods}, 30 or more advised`);
        }
    }),
};

// ================================================================================================
// Network, ingress VM, load balancers (rules 23-28)
// ================================================================================================

const ANY_SOURCE = ["*", "0.0.0.0/0", "0.0.0.0", "internet", "any", "::/0"];

/** True when a port spec (`*`, `22`, `20-30`) covers `port`. */
export function portCovers(spec: unknown, port: number): boolean {
    if (typeof spec !== "string" && typeof spec !== "number") return false;
    const s = String(spec).trim();
    if (s === "*") return true;
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(s);
    if (m) return Number(m[1]) <= port && port <= Number(m[2]);
    return Number(s) === port;
}

function adminFromInternet(rule: Props): string | undefined {
    if (!eqi(rule.access, "Allow") || !eqi(rule.direction, "Inbound")) return undefined;
    if (eqi(rule.protocol, "Icmp")) return undefined;
    const sources = [rule.sourceAddressPrefix, ...asArray(rule.sourceAddressPrefixes)].filter((s) => s !== undefined);
    const open = sources.filter((s) => inI(s, ANY_SOURCE));
    if (open.length === 0) return undefined;
    const ports = [rule.destinationPortRange, ...asArray(rule.destinationPortRanges)].filter((s) => s !== undefined);
    const admin = [22, 3389].filter((p) => ports.some((spec) => portCovers(spec, p)));
    if (admin.length === 0) return undefined;
    return `rule '${rule.name ?? "?"}' allows port ${admin.join(" and ")} from ${open.join(", ")}`;
}

const nsgAdminPorts: ResourceValidationPolicy = {
    name: "nsg-no-admin-ports-from-internet",
    description:
        "Rule 23 (CKV_AZURE_10, CKV_AZURE_9): no NSG rule allows 22, 3389 or a port range covering them from *, 0.0.0.0/0, Internet or Any.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes([AZ.NetworkSecurityGroup, AZ.SecurityRule], (p, args, report) => {
        const rules =
            args.type === AZ.NetworkSecurityGroup
                ? asArray<Props>(p.securityRules)
                : [{ ...p, name: p.name ?? p.securityRuleName ?? args.name }];
        for (const r of rules) {
            const bad = adminFromInternet(r);
            if (bad) report(bad);
        }
    }),
};

/** Azure subnets that cannot or need not carry an NSG. */
const SPECIAL_SUBNETS = [
    "GatewaySubnet",
    "AzureFirewallSubnet",
    "AzureFirewallManagementSubnet",
    "AzureBastionSubnet",
    "RouteServerSubnet",
];

const subnetNsg: StackValidationPolicy = {
    name: "subnet-has-nsg",
    description: "Rule 24 (CKV2_AZURE_31): every workload subnet has a network security group.",
    enforcementLevel: mandatory,
    validateStack: stackWith([AZ.Subnet, AZ.VirtualNetwork], (args, report) => {
        const check = (s: Props, owner: PolicyResource, name: string) => {
            if (inI(name, SPECIAL_SUBNETS)) return;
            const nsg = s.networkSecurityGroup;
            if (!nsg || (typeof nsg === "object" && !nsg.id))
                report(`${label(owner)}: subnet '${name}' has no networkSecurityGroup`, owner.urn);
        };
        for (const s of ofType(args.resources, AZ.Subnet)) check(s.props ?? {}, s, s.props?.subnetName ?? s.props?.name ?? s.name);
        for (const v of ofType(args.resources, AZ.VirtualNetwork)) {
            for (const s of asArray<Props>(v.props?.subnets)) check(s, v, s.name ?? "?");
        }
    }),
};

const vmLinuxSsh: ResourceValidationPolicy = {
    name: "vm-linux-ssh-key-only",
    description:
        "Rule 25 (CKV_AZURE_1, CKV_AZURE_178, CKV_AZURE_149 partly): VMs are Linux with password authentication disabled and an SSH key, on managed disks.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(compute.VirtualMachine, (vm, _args, report) => {
        const os = vm.osProfile ?? {};
        if (os.windowsConfiguration || !os.linuxConfiguration) report("osProfile.linuxConfiguration is required (Linux only)");
        if (os.linuxConfiguration?.disablePasswordAuthentication !== true)
            report("osProfile.linuxConfiguration.disablePasswordAuthentication must be true");
        if (asArray(os.linuxConfiguration?.ssh?.publicKeys).length === 0)
            report("osProfile.linuxConfiguration.ssh.publicKeys must hold the admin SSH key");
        if (os.adminPassword !== undefined) report("osProfile.adminPassword must not be set");
        const sp = vm.storageProfile ?? {};
        if (sp.osDisk?.vhd || asArray<Props>(sp.dataDisks).some((d) => d.vhd)) report("unmanaged (VHD) disks: use managed disks");
    }),
};

const vmEncryptionAtHost: ResourceValidationPolicy = {
    name: "vm-encryption-at-host",
    description: "Rule 25 (CKV_AZURE_149 family / Azure.VM.UseHostBasedEncryption): VM encryption at host (advisory).",
    enforcementLevel: advisory,
    validateResource: validateResourceOfType(compute.VirtualMachine, (vm, _args, report) => {
        if (vm.securityProfile?.encryptionAtHost !== true) report("securityProfile.encryptionAtHost is not true");
    }),
};

function isPublicLb(lb: PolicyResource): boolean {
    return asArray<Props>(lb.props?.frontendIPConfigurations).some((f) => f.publicIPAddress || f.publicIPPrefix);
}

function lbUsesPip(lb: PolicyResource, pip: PolicyResource): boolean {
    const fronts = asArray<Props>(lb.props?.frontendIPConfigurations)
        .map((f) => f.publicIPAddress)
        .filter(Boolean);
    return fronts.length > 0 && (dependsOn(lb, pip) || mentionsName(fronts, azureName(pip)));
}

const noPublicIps: StackValidationPolicy = {
    name: "no-public-ip-except-lb",
    description:
        "Rule 26 (CKV_AZURE_119): no NIC (nor AKS node) has a public IP; the only public IP is the public load balancer's frontend.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        for (const nic of ofType(args.resources, AZ.NetworkInterface)) {
            for (const ipc of asArray<Props>(nic.props?.ipConfigurations)) {
                if (ipc.publicIPAddress) at(report, nic)(`ipConfiguration '${ipc.name ?? "?"}' has a public IP`);
            }
        }
        for (const vm of ofType(args.resources, AZ.VirtualMachine)) {
            for (const nc of asArray<Props>(vm.props?.networkProfile?.networkInterfaceConfigurations)) {
                for (const ipc of asArray<Props>(nc.ipConfigurations)) {
                    if (ipc.publicIPAddressConfiguration) at(report, vm)(`network interface '${nc.name}' creates a public IP`);
                }
            }
        }
        for (const np of nodePools(args.resources)) {
            if (np.pool.enableNodePublicIP === true) poolReport(report, np)("enableNodePublicIP gives nodes public IPs");
        }
        const lbs = ofType(args.resources, AZ.LoadBalancer);
        for (const pip of ofType(args.resources, AZ.PublicIPAddress)) {
            if (!lbs.some((lb) => lbUsesPip(lb, pip))) at(report, pip)("public IP is not the frontend of a load balancer");
        }
    },
};

const lbConfigSchema = {
    properties: {
        environment: { type: "string" as const, enum: ["dev", "prod"] },
        allowedPublicPorts: { type: "array" as const, items: { type: "integer" as const }, default: [443] },
        allowedAdminPorts: { type: "array" as const, items: { type: "integer" as const }, default: [22, 50022] },
    },
};

const publicLb: StackValidationPolicy = {
    name: "public-lb-standard-zonal",
    description:
        "Rule 27 (Azure.LB.StandardSKU, Azure.PublicIP.IsStatic, Azure.PublicIP.AvailabilityZone): public load balancer and its IP Standard SKU, static, zone-redundant in production; every rule has a health probe; internet-facing ports limited to the configured allowlist (allowedPublicPorts for rules, default [443]; allowedAdminPorts for inbound NAT rules, default [22, 50022], the SSH NAT frontend of the ingress component).",
    enforcementLevel: mandatory,
    configSchema: lbConfigSchema,
    validateStack: stackWith([AZ.LoadBalancer], (args, report) => {
        const cfg = args.getConfig() as { allowedPublicPorts?: number[]; allowedAdminPorts?: number[] };
        const allowed = cfg.allowedPublicPorts ?? [443];
        const adminAllowed = cfg.allowedAdminPorts ?? [22, 50022];
        const prod = stackEnv(args) === "prod";
        const publicLbs = ofType(args.resources, AZ.LoadBalancer).filter(isPublicLb);
        if (publicLbs.length === 0) args.notApplicable("no public load balancer");
        for (const lb of publicLbs) {
            const p = lb.props ?? {};
            const where = at(report, lb);
            if (!eqi(p.sku?.name, "Standard")) where(`sku.name is '${p.sku?.name}', must be Standard`);
            const probes = asArray<Props>(p.probes);
            for (const rule of asArray<Props>(p.loadBalancingRules)) {
                if (!rule.probe || probes.length === 0) where(`rule '${rule.name ?? rule.frontendPort}' has no health probe`);
                if (!allowed.includes(Number(rule.frontendPort)))
                    where(`rule '${rule.name ?? "?"}' exposes port ${rule.frontendPort}, not in the allowlist ${JSON.stringify(allowed)}`);
            }
            const natRules = [
                ...asArray<Props>(p.inboundNatRules),
                ...ofType(args.resources, AZ.InboundNatRule)
                    .filter((n) => dependsOn(n, lb) || eqi(n.props?.loadBalancerName, azureName(lb) ?? "\u0000"))
                    .map((n) => n.props ?? {}),
            ];
            for (const nat of natRules) {
                const ports =
                    nat.frontendPort !== undefined
                        ? [Number(nat.frontendPort)]
                        : [Number(nat.frontendPortRangeStart), Number(nat.frontendPortRangeEnd)];
                if (!ports.every((x) => adminAllowed.includes(x) || allowed.includes(x)))
                    where(
                        `inbound NAT rule '${nat.name ?? nat.inboundNatRuleName ?? "?"}' exposes ${ports.join("-")}, not in the allowlist`,
                    );
            }
            if (asArray(p.inboundNatPools).length > 0) where("inboundNatPools expose port ranges to the internet");
            for (const pip of ofType(args.resources, AZ.PublicIPAddress).filter((x) => lbUsesPip(lb, x))) {
                const pw = at(report, pip);
                const pp = pip.props ?? {};
                if (!eqi(pp.sku?.name, "Standard")) pw(`sku.name is '${pp.sku?.name}', must be Standard`);
                if (!eqi(pp.publicIPAllocationMethod, "Static"))
                    pw(`publicIPAllocationMethod is '${pp.publicIPAllocationMethod}', must be Static`);
                if (prod && !hasAllZones(pp.zones)) pw(`zones ${JSON.stringify(pp.zones ?? [])} must be 1, 2, 3 in production`);
            }
        }
    }),
};

const INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";

const k8sServices: StackValidationPolicy = {
    name: "k8s-lb-service-internal",
    description:
        'Rule 28 (AKS baseline): the Pachyderm LoadBalancer Service is internal (service.beta.kubernetes.io/azure-load-balancer-internal: "true"); no other LoadBalancer or NodePort Service.',
    enforcementLevel: mandatory,
    validateStack: stackWith([K8S.Service], (args, report) => {
        const lbs: PolicyResource[] = [];
        for (const s of ofType(args.resources, K8S.Service)) {
            const type = s.props?.spec?.type;
            if (type === "NodePort") at(report, s)("NodePort Services are not allowed");
            if (type === "LoadBalancer") {
                lbs.push(s);
                if (s.props?.metadata?.annotations?.[INTERNAL_LB_ANNOTATION] !== "true")
                    at(report, s)(`LoadBalancer Service must be internal (${INTERNAL_LB_ANNOTATION}: "true")`);
            }
        }
        if (lbs.length > 1) {
            const pach = lbs.filter((s) => /pach/.test(`${s.name} ${s.props?.metadata?.name ?? ""}`));
            const keep = pach.length > 0 ? pach[0] : lbs[0];
            for (const s of lbs)
                if (s !== keep)
                    at(report, s)(`only one LoadBalancer Service (Pachyderm's '${keep.props?.metadata?.name ?? keep.name}') is allowed`);
        }
    }),
};

// ================================================================================================
// Cosmos DB, PostgreSQL, disks, Key Vault (rules 29-33)
// ================================================================================================

const cosmosSecurity: StackValidationPolicy = {
    name: "cosmos-keyless-private-tls12",
    description:
        "Rule 29 (CKV_AZURE_140, CKV_AZURE_132, CKV_AZURE_101, CKV_AZURE_99): Cosmos DB local (key) auth off, key-based metadata writes off, public network access off with a private endpoint, TLS 1.2.",
    enforcementLevel: mandatory,
    validateStack: stackWith([AZ.CosmosAccount], (args, report) => {
        for (const acc of ofType(args.resources, AZ.CosmosAccount)) {
            const p = acc.props ?? {};
            const where = at(report, acc);
            if (p.disableLocalAuth !== true) where("disableLocalAuth must be true");
            if (p.disableKeyBasedMetadataWriteAccess !== true) where("disableKeyBasedMetadataWriteAccess must be true");
            if (!eqi(p.publicNetworkAccess, "Disabled")) where(`publicNetworkAccess is '${p.publicNetworkAccess}', must be Disabled`);
            if (!eqi(p.minimalTlsVersion, "Tls12")) where(`minimalTlsVersion is '${p.minimalTlsVersion}', must be Tls12`);
            if (asArray(p.ipRules).length > 0) where("ipRules must be empty");
            const pes = ofType(args.resources, AZ.PrivateEndpoint).filter((pe) =>
                asArray<Props>(pe.props?.privateLinkServiceConnections).some((c) => refersTo(pe, acc, c)),
            );
            if (pes.length === 0) where("no private endpoint connects to this account");
        }
    }),
};

const cosmosBackup: ResourceValidationPolicy = {
    name: "cosmos-continuous-backup-resilience",
    description:
        "Rule 30 (Azure.Cosmos / APRL): Cosmos DB continuous backup (Continuous30Days in production); production: zone-redundant location(s) and automatic failover.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateResource: validateResourceOfType(cosmosdb.DatabaseAccount, (acc, args, report) => {
        const bp = acc.backupPolicy as Props | undefined;
        if (bp?.type !== "Continuous") {
            report(`backupPolicy.type is '${bp?.type}', must be Continuous`);
        }
        if (resourceEnv(args) !== "prod") return;
        if (bp?.type === "Continuous" && bp.continuousModeProperties?.tier !== "Continuous30Days")
            report("backupPolicy.continuousModeProperties.tier must be Continuous30Days in production");
        const locs = asArray<Props>(acc.locations);
        if (locs.length === 0 || !locs.every((l) => l.isZoneRedundant === true))
            report("every location must be isZoneRedundant in production");
        if (acc.enableAutomaticFailover !== true) report("enableAutomaticFailover must be true in production");
    }),
};

function ipToNum(ip: unknown): number | undefined {
    if (typeof ip !== "string") return undefined;
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
    return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
}

const postgres: StackValidationPolicy = {
    name: "postgres-private-tls-backup-ha",
    description:
        "Rule 31 (CKV_AZURE_136, CKV2_AZURE_26, CKV2_AZURE_57): PostgreSQL Flexible Server private access only (delegated subnet and private DNS zone), no open firewall rule, TLS required, backup retention 14+ days; production: geo-redundant backup and zone-redundant HA.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith([AZ.PostgresServer], (args, report) => {
        const prod = stackEnv(args) === "prod";
        for (const s of ofType(args.resources, AZ.PostgresServer)) {
            const p = s.props ?? {};
            const where = at(report, s);
            if (!p.network?.delegatedSubnetResourceId) where("network.delegatedSubnetResourceId must be set (private access)");
            if (!p.network?.privateDnsZoneArmResourceId) where("network.privateDnsZoneArmResourceId must be set");
            if (eqi(p.network?.publicNetworkAccess, "Enabled")) where("network.publicNetworkAccess must not be Enabled");
            if (!((num(p.backup?.backupRetentionDays) ?? 7) >= 14))
                where(`backup.backupRetentionDays is ${p.backup?.backupRetentionDays ?? "unset (7)"}, needs 14 or more`);
            if (prod && !eqi(p.backup?.geoRedundantBackup, "Enabled")) where("backup.geoRedundantBackup must be Enabled in production");
            if (prod && !eqi(p.highAvailability?.mode, "ZoneRedundant")) where("highAvailability.mode must be ZoneRedundant in production");
        }
        for (const fw of ofType(args.resources, AZ.PostgresFirewallRule)) {
            const start = ipToNum(fw.props?.startIpAddress);
            const end = ipToNum(fw.props?.endIpAddress);
            if (start === 0 || end === 0xffffffff || (start !== undefined && end !== undefined && end - start >= 0xffff)) {
                at(report, fw)(`firewall rule ${fw.props?.startIpAddress}-${fw.props?.endIpAddress} opens the server`);
            }
        }
        for (const c of ofType(args.resources, AZ.PostgresConfiguration)) {
            const name = c.props?.configurationName ?? c.name;
            if (eqi(name, "require_secure_transport") && eqi(c.props?.value, "off")) at(report, c)("require_secure_transport must stay on");
        }
    }),
};

const DISK_CSI = "disk.csi.azure.com";

const metadataDisks: StackValidationPolicy = {
    name: "metadata-disk-hardened",
    description:
        "Rule 32 (Azure.Disk / CKV_AZURE_251 family): managed-disk metadata store: Premium_ZRS in production, network access DenyAll, public network access off, encrypted. Applies to compute Disks and to Azure Disk CSI StorageClasses. GlusterFS brick disks (disk-*-gfs<i>-brick) are zonal by design: in production they must instead span zones 1-3 (Gluster replicates across them).",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: (args, report) => {
        const disks = ofType(args.resources, AZ.Disk);
        const classes = ofType(args.resources, K8S.StorageClass).filter((c) => c.props?.provisioner === DISK_CSI);
        if (disks.length + classes.length === 0) args.notApplicable("no managed disks");
        const prod = stackEnv(args) === "prod";
        const bricks = disks.filter((d) => isGlusterBrickDiskName(d.props?.diskName));
        const brickZones = new Set(
            bricks
                .map((d) => asArray<string>(d.props?.zones))
                .filter((z) => z.length === 1)
                .map((z) => z[0]),
        );
        if (prod && bricks.length > 0 && (bricks.length < 3 || brickZones.size < 3)) {
            at(
                report,
                bricks[0],
            )(`GlusterFS bricks span zones [${[...brickZones].sort().join(",")}]: production requires one brick in each of zones 1-3`);
        }
        for (const d of disks) {
            const p = d.props ?? {};
            const where = at(report, d);
            if (prod && !isGlusterBrickDiskName(p.diskName) && p.sku?.name !== "Premium_ZRS")
                where(`sku.name is '${p.sku?.name}', production requires Premium_ZRS`);
            if (p.networkAccessPolicy !== "DenyAll") where(`networkAccessPolicy is '${p.networkAccessPolicy}', must be DenyAll`);
            if (p.publicNetworkAccess !== "Disabled") where(`publicNetworkAccess is '${p.publicNetworkAccess}', must be Disabled`);
            if (
                !inI(p.encryption?.type, [
                    "EncryptionAtRestWithPlatformKey",
                    "EncryptionAtRestWithCustomerKey",
                    "EncryptionAtRestWithPlatformAndCustomerKeys",
                ])
            ) {
                where("encryption.type must be set (EncryptionAtRestWithPlatformKey or a customer key)");
            }
        }
        for (const c of classes) {
            const params: Props = c.props?.parameters ?? {};
            const where = at(report, c);
            const sku = params.skuName ?? params.skuname;
            if (prod && sku !== "Premium_ZRS") where(`parameters.skuName is '${sku}', production requires Premium_ZRS`);
            if (params.networkAccessPolicy !== "DenyAll")
                where(`parameters.networkAccessPolicy is '${params.networkAccessPolicy}', must be DenyAll`);
            if (params.publicNetworkAccess !== "Disabled")
                where(`parameters.publicNetworkAccess is '${params.publicNetworkAccess}', must be Disabled`);
        }
    },
};

const keyVault: ResourceValidationPolicy = {
    name: "keyvault-hardened",
    description:
        "Rule 33 (CKV_AZURE_42, CKV_AZURE_110, CKV_AZURE_109, Azure.KeyVault.PurgeProtect): Key Vault purge protection, soft delete, RBAC authorization, network default action Deny.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(keyvault.Vault, (v, _args, report) => {
        const p = v.properties ?? ({} as Props);
        if (p.enablePurgeProtection !== true) report("properties.enablePurgeProtection must be true");
        if (p.enableSoftDelete === false) report("properties.enableSoftDelete must not be false");
        if (p.enableRbacAuthorization !== true) report("properties.enableRbacAuthorization must be true");
        if (!eqi(p.networkAcls?.defaultAction, "Deny")) report("properties.networkAcls.defaultAction must be Deny");
    }),
};

// ================================================================================================
// Kubernetes workloads (rules 34-38)
// ================================================================================================

const podSecurity: ResourceValidationPolicy = {
    name: "k8s-pod-security",
    description:
        "Rule 34 (CKV_K8S_16-23, CKV_K8S_28, CKV_K8S_37, Polaris, kube-score): containers run as non-root without privilege escalation, read-only root filesystem, drop ALL capabilities, not privileged; pod seccomp RuntimeDefault; no host network/PID/IPC, hostPath or hostPort.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (_p, args, report) => {
        const v = podView(args)!;
        const spec = v.spec;
        const psc: Props = spec.securityContext ?? {};
        if (spec.hostNetwork === true) report("hostNetwork must not be true");
        if (spec.hostPID === true) report("hostPID must not be true");
        if (spec.hostIPC === true) report("hostIPC must not be true");
        for (const vol of asArray<Props>(spec.volumes)) if (vol.hostPath) report(`volume '${vol.name}' is a hostPath`);
        for (const c of containersOf(spec)) {
            const sc: Props = c.securityContext ?? {};
            const who = `container '${c.name}'`;
            const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
            const uid = sc.runAsUser ?? psc.runAsUser;
            if (!(nonRoot === true || (typeof uid === "number" && uid > 0)) || uid === 0)
                report(`${who}: must run as non-root (runAsNonRoot true, runAsUser not 0)`);
            if (sc.allowPrivilegeEscalation !== false) report(`${who}: allowPrivilegeEscalation must be false`);
            if (sc.readOnlyRootFilesystem !== true) report(`${who}: readOnlyRootFilesystem must be true`);
            if (!asArray<string>(sc.capabilities?.drop).some((x) => x === "ALL" || x === "all"))
                report(`${who}: capabilities.drop must include ALL`);
            if (sc.privileged === true) report(`${who}: privileged must not be true`);
            const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
                report(`${who}: seccompProfile.type must be RuntimeDefault (pod or container)`);
            for (const port of asArray<Props>(c.ports))
                if (port.hostPort !== undefined) report(`${who}: hostPort ${port.hostPort} is not allowed`);
        }
    }),
};

const podResources: ResourceValidationPolicy = {
    name: "k8s-resources-probes-pinned-images",
    description:
        "Rule 35 (CKV_K8S_8-14, CKV_K8S_43, kube-score): every container has CPU and memory requests, a memory limit, readiness and liveness probes (long-running workloads; not Jobs/CronJobs or init containers) and a pinned image tag (never latest).",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (_p, args, report) => {
        const v = podView(args)!;
        const main = asArray<Props>(v.spec.containers);
        for (const c of containersOf(v.spec)) {
            const who = `container '${c.name}'`;
            const req: Props = c.resources?.requests ?? {};
            const lim: Props = c.resources?.limits ?? {};
            if (req.cpu === undefined) report(`${who}: resources.requests.cpu is missing`);
            if (req.memory === undefined) report(`${who}: resources.requests.memory is missing`);
            if (lim.memory === undefined) report(`${who}: resources.limits.memory is missing`);
            if (!imagePinned(c.image)) report(`${who}: image '${c.image}' is not pinned to a tag other than latest (or a digest)`);
            if (!v.isBatch && main.includes(c)) {
                if (!c.readinessProbe) report(`${who}: readinessProbe is missing`);
                if (!c.livenessProbe) report(`${who}: livenessProbe is missing`);
            }
        }
    }),
};

function boundServiceAccounts(resources: PolicyResource[]): Set<string> {
    const out = new Set<string>();
    for (const b of ofType(resources, K8S.RoleBinding, K8S.ClusterRoleBinding)) {
        const bns = b.props?.metadata?.namespace;
        for (const s of asArray<Props>(b.props?.subjects)) {
            if (s.kind === "ServiceAccount") out.add(`${s.namespace ?? bns}/${s.name}`);
        }
    }
    return out;
}

const serviceAccounts: StackValidationPolicy = {
    name: "k8s-service-accounts-namespaces",
    description:
        "Rule 36 (CKV_K8S_38, CKV_K8S_21): workloads use dedicated ServiceAccounts (never default); token automount off unless the ServiceAccount is bound to a Role/ClusterRole (the pod calls the API); no object in the default namespace.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        const k8sObjects = args.resources.filter((r) => isNamespacedK8s(r.type));
        if (k8sObjects.length === 0) args.notApplicable("no Kubernetes objects");
        for (const r of k8sObjects) {
            const ns = r.props?.metadata?.namespace ?? r.provider?.props?.namespace;
            if (ns === undefined || ns === "" || ns === "default")
                at(report, r)(`is in the ${ns ? "default" : "default (unset)"} namespace`);
        }
        const sas = ofType(args.resources, K8S.ServiceAccount);
        const bound = boundServiceAccounts(args.resources);
        for (const { r, v } of workloads(args.resources)) {
            const where = at(report, r);
            const sa = v.spec.serviceAccountName ?? v.spec.serviceAccount;
            if (!sa || sa === "default") {
                where("uses the default ServiceAccount: set a dedicated serviceAccountName");
                continue;
            }
            const saObj = sas.find((s) => s.props?.metadata?.name === sa && (s.props?.metadata?.namespace ?? v.namespace) === v.namespace);
            const automount = v.spec.automountServiceAccountToken ?? saObj?.props?.automountServiceAccountToken ?? true;
            if (automount !== false && !bound.has(`${v.namespace}/${sa}`)) {
                where(
                    `mounts the token of ServiceAccount '${sa}', which no RoleBinding grants API access: set automountServiceAccountToken false`,
                );
            }
        }
    },
};

function allowsOneEviction(pdb: Props, replicas: number): boolean {
    const spec = pdb.spec ?? {};
    const pct = (v: string) => Number(v.replace("%", "")) / 100;
    if (spec.maxUnavailable !== undefined) {
        const mu = spec.maxUnavailable;
        if (typeof mu === "number") return mu >= 1;
        return typeof mu === "string" && Math.ceil(pct(mu) * replicas) >= 1;
    }
    if (spec.minAvailable !== undefined) {
        const ma = spec.minAvailable;
        if (typeof ma === "number") return replicas - ma >= 1;
        return typeof ma === "string" && replicas - Math.ceil(pct(ma) * replicas) >= 1;
    }
    return false;
}

function zoneSpread(spec: Props): boolean {
    const zoneKey = "topology.kubernetes.io/zone";
    if (asArray<Props>(spec.topologySpreadConstraints).some((t) => t.topologyKey === zoneKey)) return true;
    const anti: Props = spec.affinity?.podAntiAffinity ?? {};
    return [
        ...asArray<Props>(anti.requiredDuringSchedulingIgnoredDuringExecution),
        ...asArray<Props>(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => p.podAffinityTerm ?? {}),
    ].some((t) => t.topologyKey === zoneKey);
}

const availability: StackValidationPolicy = {
    name: "k8s-availability-pdb-backup",
    description:
        "Rule 37 (kube-score, Polaris): a policy/v1 PodDisruptionBudget selects each multi-replica workload and still allows one voluntary eviction; production: etcd 3 members and pachd 2+ replicas spread over zones; PersistentVolumes and StorageClasses reclaim Retain; an etcd snapshot backup CronJob exists.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: (args, report) => {
        const all = workloads(args.resources);
        if (all.length === 0 && ofType(args.resources, K8S.PersistentVolume, K8S.StorageClass).length === 0)
            args.notApplicable("no Kubernetes workloads");
        const prod = stackEnv(args) === "prod";
        const pdbs = ofType(args.resources, K8S.PDB);
        for (const { r, v } of all) {
            if ((r.type !== K8S.Deployment && r.type !== K8S.StatefulSet) || v.replicas < 2) continue;
            const mine = pdbs.filter(
                (p) =>
                    (p.props?.metadata?.namespace ?? v.namespace) === v.namespace &&
                    !isEmptySelector(p.props?.spec?.selector) &&
                    selectorMatches(p.props?.spec?.selector, v.labels),
            );
            if (mine.length === 0) at(report, r)(`has ${v.replicas} replicas and no PodDisruptionBudget selects it`);
            else if (!mine.some((p) => allowsOneEviction(p.props ?? {}, v.replicas)))
                at(report, r)("its PodDisruptionBudget allows no voluntary eviction");
        }
        const roles = all.map(({ r, v }) => ({ r, v, role: workloadRole(r) }));
        const etcd = roles.filter((x) => x.role === "etcd");
        if (prod) {
            for (const x of etcd) {
                if (x.v.replicas !== 3) at(report, x.r)(`etcd has ${x.v.replicas} members, production requires 3`);
                if (!zoneSpread(x.v.spec))
                    at(
                        report,
                        x.r,
                    )(
                        "etcd members are not spread over zones (topologySpreadConstraints or podAntiAffinity on topology.kubernetes.io/zone)",
                    );
            }
            for (const x of roles.filter((y) => y.role === "pachd")) {
                if (x.v.replicas < 2) at(report, x.r)(`pachd has ${x.v.replicas} replica(s), production requires 2 or more`);
                if (!zoneSpread(x.v.spec)) at(report, x.r)("pachd replicas are not spread over zones");
            }
        }
        for (const pv of ofType(args.resources, K8S.PersistentVolume)) {
            if (pv.props?.spec?.persistentVolumeReclaimPolicy !== "Retain") at(report, pv)("persistentVolumeReclaimPolicy must be Retain");
        }
        for (const sc of ofType(args.resources, K8S.StorageClass)) {
            if (sc.props?.reclaimPolicy !== "Retain")
                at(report, sc)(`reclaimPolicy is '${sc.props?.reclaimPolicy ?? "Delete (default)"}', must be Retain`);
        }
        if (etcd.length > 0) {
            const backup = ofType(args.resources, K8S.CronJob).some((c) => {
                const n = `${c.name} ${c.props?.metadata?.name ?? ""}`.toLowerCase();
                return n.includes("etcd") && (n.includes("backup") || n.includes("snapshot"));
            });
            if (!backup) at(report, etcd[0].r)("no etcd snapshot backup CronJob (name containing etcd and backup/snapshot)");
        }
    },
};

function ingressSubnetCidrs(resources: PolicyResource[]): string[] {
    const out: string[] = [];
    const take = (s: Props, name: string) => {
        if (!/ingress/i.test(name)) return;
        for (const c of [s.addressPrefix, ...asArray(s.addressPrefixes)]) if (typeof c === "string") out.push(c);
    };
    for (const s of ofType(resources, AZ.Subnet)) take(s.props ?? {}, `${s.name} ${s.props?.subnetName ?? ""}`);
    for (const v of ofType(resources, AZ.VirtualNetwork)) for (const s of asArray<Props>(v.props?.subnets)) take(s, s.name ?? "");
    return out;
}

const networkPolicies: StackValidationPolicy = {
    name: "k8s-network-policies",
    description:
        "Rule 38 (kube-score, Polaris): a default-deny ingress NetworkPolicy in the Pachyderm namespace plus explicit allows: pachd from the ingress subnet and inside the namespace; etcd and postgres from pachd only (etcd members may also reach each other).",
    enforcementLevel: mandatory,
    configSchema: { properties: { namespace: { type: "string" } } },
    validateStack: (args, report) => {
        const roles = workloads(args.resources).map(({ r, v }) => ({ r, v, role: workloadRole(r) }));
        const pachd = roles.find((x) => x.role === "pachd");
        const configured = (args.getConfig() as { namespace?: string }).namespace;
        const ns = configured ?? pachd?.v.namespace;
        if (!ns || !pachd) args.notApplicable("no pachd workload in the stack");
        const nps = ofType(args.resources, K8S.NetworkPolicy).filter((n) => n.props?.metadata?.namespace === ns);
        const pol = (n: PolicyResource): Props => n.props?.spec ?? {};
        const denyAll = nps.some(
            (n) =>
                isEmptySelector(pol(n).podSelector) &&
                asArray<string>(pol(n).policyTypes).includes("Ingress") &&
                asArray(pol(n).ingress).length === 0,
        );
        const nsTarget = pachd!.r;
        if (!denyAll)
            at(
                report,
                nsTarget,
            )(`namespace '${ns}' has no default-deny ingress NetworkPolicy (podSelector {}, policyTypes [Ingress], no ingress rules)`);
        const selecting = (labels: Record<string, string>) =>
            nps.filter((n) => !isEmptySelector(pol(n).podSelector) && selectorMatches(pol(n).podSelector, labels));
        const peers = (n: PolicyResource): Props[] => asArray<Props>(pol(n).ingress).flatMap((i) => asArray<Props>(i.from));
        // pachd: from the ingress subnet and from inside the namespace.
        const pachdPeers = selecting(pachd!.v.labels).flatMap(peers);
        const cidrs = ingressSubnetCidrs(args.resources);
        const fromSubnet = pachdPeers.some((p) => p.ipBlock?.cidr && (cidrs.length === 0 || cidrs.includes(p.ipBlock.cidr)));
        const fromNamespace = pachdPeers.some((p) => p.podSelector && !p.namespaceSelector && !p.ipBlock);
        if (!fromSubnet)
            at(report, pachd!.r)(`no NetworkPolicy allows pachd from the ingress subnet${cidrs.length ? ` (${cidrs.join(", ")})` : ""}`);
        if (!fromNamespace) at(report, pachd!.r)("no NetworkPolicy allows pachd from pods of its namespace");
        // etcd and postgres: from pachd only. "pachd" = Pachyderm's control plane (pachd and pachw, the
        // same binary in its two roles); postgres may also be reached through pachd's pooler
        // (pg-bouncer); etcd by its own members and by the etcd snapshot backup job (rule 37).
        // A peer is judged by the pods it actually selects among the stack's workloads.
        const inNs = roles.filter((y) => y.v.namespace === ns).map((y) => ({ ...y, peer: peerRole(y.r) }));
        for (const x of roles.filter((y) => (y.role === "etcd" || y.role === "postgres") && y.v.namespace === ns)) {
            const mine = nps.filter((n) => !isEmptySelector(pol(n).podSelector) && selectorMatches(pol(n).podSelector, x.v.labels));
            if (mine.length === 0) {
                at(report, x.r)(`no NetworkPolicy selects ${x.role}`);
                continue;
            }
            const allowedPeers = x.role === "etcd" ? ["pachd", "pachw", "etcd", "etcd-backup"] : ["pachd", "pachw", "pg-bouncer"];
            const problems: string[] = [];
            for (const n of mine) {
                for (const rule of asArray<Props>(pol(n).ingress)) {
                    const from = asArray<Props>(rule.from);
                    if (from.length === 0) problems.push(`'${n.name}' allows ingress from anywhere`);
                    for (const peer of from) {
                        if (peer.ipBlock || peer.namespaceSelector || !peer.podSelector || isEmptySelector(peer.podSelector)) {
                            problems.push(
                                `'${n.name}' allows ${peer.ipBlock ? `ipBlock ${peer.ipBlock.cidr}` : peer.namespaceSelector ? "other namespaces" : "every pod of the namespace"}`,
                            );
                            continue;
                        }
                        const reached = inNs.filter((y) => selectorMatches(peer.podSelector, y.v.labels));
                        const others = reached.filter((y) => !allowedPeers.includes(y.peer ?? ""));
                        if (others.length > 0) problems.push(`'${n.name}' admits ${others.map((y) => y.v.name).join(", ")}`);
                    }
                }
            }
            const admitsPachd = mine.some((n) =>
                asArray<Props>(pol(n).ingress).some((i) =>
                    asArray<Props>(i.from).some(
                        (p) => p.podSelector && !isEmptySelector(p.podSelector) && selectorMatches(p.podSelector, pachd!.v.labels),
                    ),
                ),
            );
            if (!admitsPachd) problems.push("no rule admits pachd");
            if (problems.length > 0) at(report, x.r)(`${x.role} must accept ingress from pachd only: ${problems.join("; ")}`);
        }
    },
};

// ================================================================================================
// Cross-cutting
// ================================================================================================

/** Input names whose values are credentials (matched on the last path segment, case-insensitively). */
export const SENSITIVE_KEY =
    /(password|secret|token|kubeconfig|kubeconfigs|connectionstrings?|privatekey|accountkey|accesskey|sharedkey|apikey|primarykey|secondarykey|sas)$/i;
export const NOT_SENSITIVE_KEY =
    /^(automountServiceAccountToken|allowSharedKey.*|disableKeyBased.*|.*SecretName|secretRef|tokenExpirationSeconds|keySource)$/i;

function plainSecrets(value: unknown, path: string, out: string[]): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => plainSecrets(v, `${path}[${i}]`, out));
        return;
    }
    if (!value || typeof value !== "object") return;
    for (const [k, v] of Object.entries(value as Props)) {
        const p = path ? `${path}.${k}` : k;
        if (SENSITIVE_KEY.test(k) && !NOT_SENSITIVE_KEY.test(k) && typeof v === "string" && v !== "" && v !== SECRET_MARKER) out.push(p);
        else plainSecrets(v, p, out);
    }
}

const secrets: StackValidationPolicy = {
    name: "secrets-are-pulumi-secrets",
    description:
        'Cross-cutting (CKV_SECRET_*, Pulumi secrets): kubeconfigs, keys, passwords, tokens and connection strings are Pulumi secrets. Checked offline over the plan, where every secret input is replaced by "[secret]": a credential-named input, or a Kubernetes Secret\'s data/stringData value, that is plain text is a violation. Not applicable inside the engine, which hands policies secret values decrypted.',
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        if (!args.resources.some((r) => Array.isArray(extOpts(r).secretInputs))) {
            args.notApplicable("secret-ness of inputs is only visible in the plan (offline evaluation)");
        }
        for (const r of args.resources) {
            const found: string[] = [];
            plainSecrets(r.props ?? {}, "", found);
            if (r.type === K8S.Secret) {
                for (const field of ["data", "stringData"]) {
                    const values = r.props?.[field];
                    if (!values || typeof values !== "object") continue; // absent, or the whole field is "[secret]"
                    for (const [k, v] of Object.entries(values as Props)) {
                        if (v !== SECRET_MARKER && !found.includes(`${field}.${k}`)) found.push(`${field}.${k}`);
                    }
                }
            }
            if (found.length > 0) at(report, r)(`plain-text credential input(s): ${found.join(", ")} (wrap them in pulumi.secret)`);
        }
    },
};

// ================================================================================================
// ARM acceptance: what Azure Resource Manager refuses at request time and mocks accept silently
// ================================================================================================

const armSecurityRules: ResourceValidationPolicy = {
    name: "arm-nsg-security-rules",
    description:
        "ARM (network-security-groups-overview, azure-rest-api-specs#1591, SecurityRuleParameterContainsUnsupportedValue, SecurityRuleConflict, SecurityRuleInvalidPortRange): NSG security rules ARM accepts: service tags and '*' only in the singular sourceAddressPrefix/destinationAddressPrefix, never in the plural lists; singular or plural, not both; one address family; ports 0-65535; priority 100-4096, unique per direction; names unique, 1-80 characters (lib/arm.ts).",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes([AZ.NetworkSecurityGroup, AZ.SecurityRule], (p, args, report) => {
        const rules =
            args.type === AZ.NetworkSecurityGroup
                ? asArray<Props>(p.securityRules)
                : [{ ...p, name: p.name ?? p.securityRuleName ?? args.name }];
        for (const problem of securityRuleProblems(rules)) report(problem);
    }),
};

/**
 * Name rules of the resource types the platform declares, from
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules unless noted.
 */
const NAME_RULES: { type: string; field: string; re: RegExp; rule: string }[] = [
    { type: AZ.StorageAccount, field: "accountName", re: /^[a-z0-9]{3,24}$/, rule: "3-24 lowercase letters and numbers" },
    {
        type: AZ.CosmosAccount,
        field: "accountName",
        re: /^[a-z0-9][a-z0-9-]{2,43}$/,
        rule: "3-44 lowercase letters, numbers and hyphens, starting with a letter or number",
    },
    {
        type: AZ.ManagedCluster,
        field: "resourceName",
        re: /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/,
        rule: "1-63 alphanumerics, underscores and hyphens, starting and ending with an alphanumeric",
    },
    {
        type: AZ.UserAssignedIdentity,
        field: "resourceName",
        re: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/,
        rule: "3-128 alphanumerics, hyphens and underscores, starting with a letter or number",
    },
    // "Must be a globally unique identifier (GUID)" (Microsoft.Authorization roleAssignments).
    {
        type: AZ.RoleAssignment,
        field: "roleAssignmentName",
        re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        rule: "a GUID",
    },
];

/** Node pool names: 1-12 lowercase letters and numbers, starting with a letter (PSRule Azure.AKS.SystemPoolNaming; Windows pools 6 at most). */
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
/** Public IP DNS labels: "must conform to the following regular expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$" (azure-rest-api-specs, Microsoft.Network CheckDnsNameAvailability). */
const DNS_LABEL = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;

const armNames: StackValidationPolicy = {
    name: "arm-resource-names",
    description:
        "ARM (resource-name-rules, PSRule Azure.AKS.SystemPoolNaming, Microsoft.Network CheckDnsNameAvailability): names ARM accepts: storage account 3-24 lowercase alphanumerics; Cosmos DB account 3-44 lowercase letters, digits, hyphens; AKS cluster 1-63; user-assigned identity 3-128; role assignment a GUID; node pool 1-12 lowercase alphanumerics starting with a letter; public IP DNS label ^[a-z][a-z0-9-]{1,61}[a-z0-9]$.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        for (const r of args.resources) {
            const where = at(report, r);
            for (const n of NAME_RULES.filter((x) => x.type === r.type)) {
                const value = r.props?.[n.field];
                if (typeof value === "string" && value !== SECRET_MARKER && !n.re.test(value))
                    where(`${n.field} '${value}' must be ${n.rule}`);
            }
            const label = r.type === AZ.PublicIPAddress ? r.props?.dnsSettings?.domainNameLabel : undefined;
            if (typeof label === "string" && !DNS_LABEL.test(label))
                where(`dnsSettings.domainNameLabel '${label}' must match ${DNS_LABEL.source}`);
        }
        for (const np of nodePools(args.resources)) {
            const name = np.owner.type === AZ.AgentPool ? (np.pool.agentPoolName ?? np.pool.name) : np.pool.name;
            if (typeof name === "string" && !POOL_NAME.test(name))
                poolReport(report, np)(`name '${name}' must be 1-12 lowercase letters and numbers, starting with a letter`);
        }
    },
};

const armNodePools: StackValidationPolicy = {
    name: "arm-aks-node-pools",
    description:
        "ARM (AKS concepts-network-ip-address-planning, use-system-pools, AgentPool count): node pools AKS accepts: maxPods 10-250; a System pool supports at least 30 pods; count 1-1000 for System pools, 0-1000 for User pools; autoscaling minCount at most maxCount.",
    enforcementLevel: mandatory,
    validateStack: stackWith([AZ.ManagedCluster, AZ.AgentPool], (args, report) => {
        for (const np of nodePools(args.resources)) {
            const where = poolReport(report, np);
            const system = eqi(np.pool.mode, "System");
            const maxPods = num(np.pool.maxPods);
            if (maxPods !== undefined && (maxPods < 10 || maxPods > 250)) where(`maxPods ${maxPods} must be from 10 to 250`);
            if (system && maxPods !== undefined && maxPods < 30) where(`maxPods ${maxPods}: a System pool must support at least 30 pods`);
            const count = num(np.pool.count);
            if (count !== undefined && (count < (system ? 1 : 0) || count > 1000))
                where(`count ${count} must be from ${system ? 1 : 0} to 1000 for a ${system ? "System" : "User"} pool`);
            const lo = num(np.pool.minCount);
            const hi = num(np.pool.maxCount);
            if (np.pool.enableAutoScaling === true && lo !== undefined && hi !== undefined && lo > hi)
                where(`minCount ${lo} is above maxCount ${hi}`);
        }
    }),
};

// ================================================================================================

export const resourcePolicies: ResourceValidationPolicy[] = [
    storageRedundancy,
    storageHttpsTls,
    storageNoPublicBlob,
    storageInfraEncryption,
    storageCmk,
    aksRbac,
    aksApiServer,
    aksNetwork,
    aksTier,
    aksAddons,
    aksWorkloadIdentity,
    nsgAdminPorts,
    vmLinuxSsh,
    vmEncryptionAtHost,
    cosmosBackup,
    keyVault,
    podSecurity,
    podResources,
    armSecurityRules,
];

export const stackPolicies: StackValidationPolicy[] = [
    storagePrivateNetwork,
    storageKeyless,
    storageKeylessAdvisory,
    storageBlobSoftDelete,
    storageContainerSoftDelete,
    storageVersioning,
    storagePitr,
    storageLock,
    statefulOptions,
    containerImmutability,
    aksZones,
    aksPoolSizing,
    aksSpotWorkersOnly,
    aksOperations,
    subnetNsg,
    noPublicIps,
    publicLb,
    k8sServices,
    cosmosSecurity,
    postgres,
    metadataDisks,
    serviceAccounts,
    availability,
    networkPolicies,
    secrets,
    armNames,
    armNodePools,
    glusterOneNodeAtATime,
];

/** Rule number (1-38, "X" for cross-cutting, "ARM" for what ARM refuses at request time) of every policy, in rule order. */
export const RULE_OF: Record<string, string> = {
    "storage-redundancy-gzrs": "1",
    "storage-https-tls12": "2",
    "storage-no-public-blob-access": "3",
    "storage-private-network": "4",
    "storage-keyless-auth": "5",
    "storage-keyless-auth-advisory": "5",
    "storage-infrastructure-encryption": "6",
    "storage-customer-managed-key": "6",
    "storage-blob-soft-delete": "7",
    "storage-container-soft-delete": "8",
    "storage-versioning-change-feed": "9",
    "storage-point-in-time-restore": "10",
    "storage-management-lock": "11",
    "stateful-resource-options": "12",
    "storage-container-immutability": "13",
    "aks-rbac-entra-id": "14",
    "aks-api-server-access": "15",
    "aks-network-cni-policy": "16",
    "aks-sku-tier": "17",
    "aks-node-pools-zonal": "18",
    "aks-node-pool-sizing": "19",
    "aks-spot-workers-only": "19",
    "aks-addons-monitoring": "20",
    "aks-workload-identity": "21",
    "aks-upgrade-and-node-hardening": "22",
    "nsg-no-admin-ports-from-internet": "23",
    "subnet-has-nsg": "24",
    "vm-linux-ssh-key-only": "25",
    "vm-encryption-at-host": "25",
    "no-public-ip-except-lb": "26",
    "public-lb-standard-zonal": "27",
    "k8s-lb-service-internal": "28",
    "cosmos-keyless-private-tls12": "29",
    "cosmos-continuous-backup-resilience": "30",
    "postgres-private-tls-backup-ha": "31",
    "metadata-disk-hardened": "32",
    "keyvault-hardened": "33",
    "k8s-pod-security": "34",
    "k8s-resources-probes-pinned-images": "35",
    "k8s-service-accounts-namespaces": "36",
    "k8s-availability-pdb-backup": "37",
    "k8s-network-policies": "38",
    "secrets-are-pulumi-secrets": "X",
    "arm-nsg-security-rules": "ARM",
    "arm-resource-names": "ARM",
    "arm-aks-node-pools": "ARM",
    [GLUSTER_ROLL_POLICY]: "X",
};

/** Every policy of the pack, in rule order. */
export const allPolicies: AnyPolicy[] = [...resourcePolicies, ...stackPolicies].sort((a, b) => {
    const n = (p: AnyPolicy) => (({ X: 99, ARM: 100 }) as Record<string, number>)[RULE_OF[p.name]] ?? Number(RULE_OF[p.name] ?? 98);
    return n(a) - n(b);
});
