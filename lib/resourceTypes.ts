/**
 * The one registry of the resource types this program declares or its policies check, keyed by Pulumi type token.
 * Per type: whether it holds data (`stateful`), the inputs whose change makes Azure replace it (`replaceOn`), the
 * input that names it in Azure (`nameField`) and how the cost estimate prices it (`cost`). Read by the data-loss
 * guard and the plan diff (planner/stateful.ts, planner/planDiff.ts), the mocks (planner/mocks.ts), the policy pack
 * (policy/) and the cost estimate (insights/cost/).
 * Pure data and pure functions; tests/resourceTypes.test.ts pins it against the azure-native SDK
 * and the stacks' plans.
 */

/**
 * A rule deciding whether a change at `path` forces replacement. `path` is a property path; a change at the path or
 * anywhere under it matches. `when` (optional) refines the decision from the old and new values.
 */
export interface ReplacementRule {
    path: string;
    why: string;
    when?: (before: unknown, after: unknown) => boolean;
}

/** The cost models of insights/cost/, one per priced kind of resource. */
export type PricedModel =
    | "aksCluster"
    | "aksPool"
    | "vm"
    | "disk"
    | "storageAccount"
    | "cosmosAccount"
    | "cosmosThroughput"
    | "loadBalancer"
    | "publicIp"
    | "privateEndpoint"
    | "privateDnsZone"
    | "postgresServer"
    | "logAnalytics";

/** Priced by a cost model, or free by itself (with the reason, and a caveat the cost report states when present). */
export type CostModel = { priced: PricedModel } | { free: string; caveat?: string };

export interface ResourceTypeInfo {
    /**
     * Holds data. In Pulumi a changed logical name, type or parent means delete + create: for these that is data
     * loss, so their URNs are pinned per stack (tests/stateful/<stack>.json).
     */
    stateful?: true;
    /** The input that names the resource in Azure (the last segment of its resource id). */
    nameField?: string;
    /** Inputs Azure Resource Manager cannot change on an existing resource (besides COMMON_REPLACEMENT_RULES). */
    replaceOn?: readonly ReplacementRule[];
    /** Absent: no cost model (the cost report lists the resource as unpriced). */
    cost?: CostModel;
}

const tierOf = (sku: unknown): string => (typeof sku === "string" ? (sku.split("_")[0] ?? "") : "");
const free = (reason: string): CostModel => ({ free: reason });
const LOCKS_FREE = free("management locks are free");
const KUBERNETES_FREE = { free: "Kubernetes objects run on the priced nodes" } as const;

/**
 * Every type token, canonical (see normalizeType). The `replaceOn` lists are the properties known to force
 * replacement of the stateful types and of the VMs (the GlusterFS roll check, lib/glusterRoll.ts); anything else is an in-place update in the plan diff. Keep them small and
 * documented:
 *
 * | type | property | replaced? |
 * |---|---|---|
 * | storage:StorageAccount | accountName, location | yes |
 * | storage:StorageAccount | kind | yes, except an upgrade to StorageV2 (in place) |
 * | storage:StorageAccount | sku.name | only when the performance tier changes (Standard_* <-> Premium_*); redundancy changes such as LRS <-> GZRS are conversions, not replacements |
 * | storage:StorageAccount | isHnsEnabled, encryption.requireInfrastructureEncryption | yes |
 * | storage:BlobContainer | accountName, containerName | yes |
 * | storage:BlobServiceProperties | accountName | yes |
 * | compute:Disk | diskName, location, zones, creationData | yes |
 * | compute:VirtualMachine | vmName, location, zones, storageProfile.imageReference, storageProfile.osDisk.{name,createOption}, osProfile.{computerName,adminUsername,customData,linuxConfiguration.ssh} | yes |
 * | cosmosdb:DatabaseAccount | accountName, location, kind | yes |
 * | cosmosdb:SqlResourceSqlDatabase | accountName, databaseName, resource.id | yes |
 * | cosmosdb:SqlResourceSqlContainer | accountName, databaseName, containerName, resource.id, resource.partitionKey | yes |
 * | dbforpostgresql:Server | serverName, location, version | yes (major version upgrades are a separate, manual operation) |
 * | dbforpostgresql:Database | serverName, databaseName, charset, collation | yes |
 */
export const RESOURCE_TYPES = {
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": { nameField: "lockName", cost: LOCKS_FREE },
    "azure-native:authorization:ManagementLockAtResourceLevel": { nameField: "lockName", cost: LOCKS_FREE },
    "azure-native:authorization:ManagementLockByScope": { nameField: "lockName", cost: LOCKS_FREE },
    "azure-native:authorization:RoleAssignment": { nameField: "roleAssignmentName", cost: free("role assignments are free") },
    "azure-native:compute:Disk": {
        stateful: true,
        nameField: "diskName",
        replaceOn: [
            { path: "diskName", why: "the disk name is part of the resource id" },
            { path: "location", why: "a disk cannot move region" },
            { path: "zones", why: "a disk cannot move zone" },
            { path: "creationData", why: "the creation source is fixed at creation" },
        ],
        cost: { priced: "disk" },
    },
    "azure-native:compute:VirtualMachine": {
        nameField: "vmName",
        // Fixed when the VM is created: location is create-only (x-ms-mutability [create, read], ARM RPC-Put-V1-14);
        // for the zone, the image and the OS disk ARM rejects an in-place change (PropertyChangeNotAllowed), so the VM
        // is recreated (Azure: "Move a VM to an availability zone" recreates it from snapshots,
        // https://learn.microsoft.com/azure/virtual-machines/move-virtual-machines-regional-zonal-portal); of `osProfile`,
        // "Some of the settings cannot be changed once VM is provisioned" (the `osProfile` input of @pulumi/azure-native
        // compute/virtualMachine.d.ts, from the Compute REST spec): computer name, admin user, custom data, SSH keys.
        replaceOn: [
            { path: "vmName", why: "the VM name is part of its resource id" },
            { path: "location", why: "a VM cannot move region" },
            { path: "zones", why: "a VM cannot move to another availability zone" },
            { path: "storageProfile.imageReference", why: "the OS image is chosen when the VM is created" },
            { path: "storageProfile.osDisk.name", why: "the OS disk is created with the VM" },
            { path: "storageProfile.osDisk.createOption", why: "the OS disk is created with the VM" },
            { path: "osProfile.computerName", why: "set at provisioning only" },
            { path: "osProfile.adminUsername", why: "set at provisioning only" },
            { path: "osProfile.customData", why: "set at provisioning only" },
            { path: "osProfile.linuxConfiguration.ssh", why: "set at provisioning only" },
        ],
        cost: { priced: "vm" },
    },
    "azure-native:compute:VirtualMachineExtension": { nameField: "vmExtensionName", cost: free("VM extensions are free") },
    "azure-native:containerservice:AgentPool": { nameField: "agentPoolName", cost: { priced: "aksPool" } },
    "azure-native:containerservice:MaintenanceConfiguration": { nameField: "configName", cost: free("maintenance windows are free") },
    "azure-native:containerservice:ManagedCluster": { nameField: "resourceName", cost: { priced: "aksCluster" } },
    "azure-native:cosmosdb:DatabaseAccount": {
        stateful: true,
        nameField: "accountName",
        replaceOn: [
            { path: "accountName", why: "the account name is part of the resource id" },
            { path: "location", why: "the account's home region cannot change" },
            { path: "kind", why: "the API kind is fixed at creation" },
        ],
        cost: { priced: "cosmosAccount" },
    },
    "azure-native:cosmosdb:SqlResourceSqlContainer": {
        stateful: true,
        nameField: "containerName",
        replaceOn: [
            { path: "accountName", why: "the container belongs to one account" },
            { path: "databaseName", why: "the container belongs to one database" },
            { path: "containerName", why: "the container name is part of the resource id" },
            { path: "resource.id", why: "the container id is fixed at creation" },
            { path: "resource.partitionKey", why: "a container's partition key cannot change" },
        ],
        cost: { priced: "cosmosThroughput" },
    },
    "azure-native:cosmosdb:SqlResourceSqlDatabase": {
        stateful: true,
        nameField: "databaseName",
        replaceOn: [
            { path: "accountName", why: "the database belongs to one account" },
            { path: "databaseName", why: "the database name is part of the resource id" },
            { path: "resource.id", why: "the database id is fixed at creation" },
        ],
        cost: { priced: "cosmosThroughput" },
    },
    "azure-native:cosmosdb:SqlResourceSqlRoleAssignment": {
        nameField: "roleAssignmentId",
        cost: free("Cosmos DB role assignments are free"),
    },
    "azure-native:dbforpostgresql:Configuration": { nameField: "configurationName", cost: free("server parameters are free") },
    "azure-native:dbforpostgresql:Database": {
        stateful: true,
        nameField: "databaseName",
        replaceOn: [
            { path: "serverName", why: "the database belongs to one server" },
            { path: "databaseName", why: "the database name is part of the resource id" },
            { path: "charset", why: "the charset is fixed at creation" },
            { path: "collation", why: "the collation is fixed at creation" },
        ],
        cost: free("databases are included in the server price"),
    },
    "azure-native:dbforpostgresql:FirewallRule": { nameField: "firewallRuleName", cost: free("firewall rules are free") },
    "azure-native:dbforpostgresql:Server": {
        stateful: true,
        nameField: "serverName",
        replaceOn: [
            { path: "serverName", why: "the server name is part of the resource id" },
            { path: "location", why: "a server cannot move region" },
            { path: "version", why: "a major version change is not an in-place update" },
        ],
        cost: { priced: "postgresServer" },
    },
    "azure-native:devtestlab:GlobalSchedule": {
        nameField: "name",
        cost: free("auto-shutdown schedules are free (they lower the VM's hours)"),
    },
    "azure-native:keyvault:Vault": { nameField: "vaultName" },
    "azure-native:managedidentity:FederatedIdentityCredential": {
        nameField: "federatedIdentityCredentialResourceName",
        cost: free("federated credentials are free"),
    },
    "azure-native:managedidentity:UserAssignedIdentity": { nameField: "resourceName", cost: free("managed identities are free") },
    "azure-native:monitor:DataCollectionRule": {
        nameField: "dataCollectionRuleName",
        cost: free("data collection rules are free (ingestion is billed on the Log Analytics workspace)"),
    },
    "azure-native:monitor:DataCollectionRuleAssociation": {
        nameField: "associationName",
        cost: free("data collection rule associations are free"),
    },
    "azure-native:monitor:DiagnosticSetting": {
        nameField: "name",
        cost: free("diagnostic settings are free (ingestion is priced on the workspace)"),
    },
    "azure-native:network:InboundNatRule": {
        nameField: "inboundNatRuleName",
        cost: free("NAT rules are free (the load balancer is priced)"),
    },
    "azure-native:network:LoadBalancer": { nameField: "loadBalancerName", cost: { priced: "loadBalancer" } },
    "azure-native:network:NetworkInterface": { nameField: "networkInterfaceName", cost: free("network interfaces are free") },
    "azure-native:network:NetworkSecurityGroup": { nameField: "networkSecurityGroupName", cost: free("network security groups are free") },
    "azure-native:network:PrivateDnsZoneGroup": {
        nameField: "privateDnsZoneGroupName",
        cost: free("DNS zone groups are free (the zone is priced)"),
    },
    "azure-native:network:PrivateEndpoint": { nameField: "privateEndpointName", cost: { priced: "privateEndpoint" } },
    "azure-native:network:PublicIPAddress": { nameField: "publicIpAddressName", cost: { priced: "publicIp" } },
    "azure-native:network:RouteTable": { nameField: "routeTableName", cost: free("route tables are free") },
    "azure-native:network:SecurityRule": { nameField: "securityRuleName", cost: free("security rules are free") },
    "azure-native:network:Subnet": { nameField: "subnetName", cost: free("subnets are free") },
    "azure-native:network:VirtualNetwork": {
        nameField: "virtualNetworkName",
        cost: free("virtual networks are free (peering/egress not modelled)"),
    },
    "azure-native:operationalinsights:Workspace": { nameField: "workspaceName", cost: { priced: "logAnalytics" } },
    "azure-native:privatedns:PrivateZone": { nameField: "privateZoneName", cost: { priced: "privateDnsZone" } },
    "azure-native:privatedns:VirtualNetworkLink": {
        nameField: "virtualNetworkLinkName",
        cost: free("private DNS VNet links are free (the zone is priced)"),
    },
    "azure-native:resources:ResourceGroup": { nameField: "resourceGroupName", cost: free("resource groups are free") },
    "azure-native:storage:BlobContainer": {
        stateful: true,
        nameField: "containerName",
        replaceOn: [
            { path: "accountName", why: "the container belongs to one account" },
            { path: "containerName", why: "the container name is part of the resource id" },
        ],
        cost: free("containers are free (capacity is priced on the storage account)"),
    },
    "azure-native:storage:BlobServiceProperties": {
        stateful: true,
        nameField: "blobServicesName",
        replaceOn: [{ path: "accountName", why: "the blob service belongs to one account" }],
        cost: free("blob service settings are free (capacity is priced on the account)"),
    },
    "azure-native:storage:BlobContainerImmutabilityPolicy": {
        nameField: "immutabilityPolicyName",
        cost: free("immutability policies are free (capacity is priced on the account)"),
    },
    "azure-native:storage:ManagementPolicy": {
        nameField: "managementPolicyName",
        cost: free("lifecycle policies are free (they set the tier split of the account)"),
    },
    "azure-native:storage:StorageAccount": {
        stateful: true,
        nameField: "accountName",
        replaceOn: [
            { path: "accountName", why: "the account name is part of the resource id" },
            { path: "location", why: "a storage account cannot move region" },
            { path: "kind", why: "only an upgrade to StorageV2 is in place", when: (_b, a) => a !== "StorageV2" },
            {
                path: "sku.name",
                why: "the performance tier (Standard/Premium) cannot change",
                when: (b, a) => tierOf(b) !== tierOf(a),
            },
            { path: "isHnsEnabled", why: "hierarchical namespace is set at creation" },
            { path: "encryption.requireInfrastructureEncryption", why: "infrastructure encryption is set at creation" },
        ],
        cost: { priced: "storageAccount" },
    },
    // Static volumes over the metadata disks or the GlusterFS exports: deleting one releases its data.
    "kubernetes:core/v1:PersistentVolume": { stateful: true, cost: KUBERNETES_FREE },
    "kubernetes:core/v1:PersistentVolumeClaim": {
        cost: {
            ...KUBERNETES_FREE,
            caveat: "A PersistentVolumeClaim bound by a CSI StorageClass creates a billed Azure disk that is not in the plan and not priced here.",
        },
    },
} as const satisfies Record<string, ResourceTypeInfo>;

/** A type token of the registry: a typo in a literal is a compile error. */
export type ResourceType = keyof typeof RESOURCE_TYPES;

/** Whole packages whose types are not in RESOURCE_TYPES: none holds data, none costs anything by itself. */
const PACKAGE_DEFAULTS: readonly (readonly [prefix: string, info: ResourceTypeInfo])[] = [
    ["kubernetes:", { cost: KUBERNETES_FREE }],
    ["random:", { cost: free("random values are local to Pulumi") }],
    ["tls:", { cost: free("TLS keys are local to Pulumi") }],
    ["pulumi:providers:", { cost: free("providers are not cloud resources") }],
];

/**
 * Module names that older azure-native versions used for a module of the pinned SDK (3.28). Its Cosmos DB resources
 * live in the SDK folder `cosmosdb/` and register `azure-native:cosmosdb:*` tokens; each carries aliases to
 * `azure-native:documentdb:*` (node_modules/@pulumi/azure-native/cosmosdb/databaseAccount.js), the module name of
 * earlier provider versions, so plans and state written by those name the same resource `documentdb`.
 */
const MODULE_ALIASES: Readonly<Record<string, string>> = { documentdb: "cosmosdb" };

/**
 * The canonical token of a type: an explicit API-version module (`azure-native:storage/v20240101:StorageAccount`,
 * the form of azure-native's versioned SDKs and of its type aliases) and a former module name fold into the default
 * module (`azure-native:storage:StorageAccount`). Other packages' tokens are kept whole.
 */
export function normalizeType(type: string): string {
    const m = /^azure-native:([^:/]+)(?:\/[^:]+)?:(.+)$/.exec(type);
    if (!m || m[1] === undefined) return type;
    return `azure-native:${MODULE_ALIASES[m[1]] ?? m[1]}:${m[2]}`;
}

/** What the registry knows of a type (any spelling normalizeType folds), else undefined. */
export function resourceType(type: string): ResourceTypeInfo | undefined {
    const t = normalizeType(type);
    const own: ResourceTypeInfo | undefined = (RESOURCE_TYPES as Readonly<Record<string, ResourceTypeInfo>>)[t];
    return own ?? PACKAGE_DEFAULTS.find(([prefix]) => t.startsWith(prefix))?.[1];
}

/** Whether `type` (any spelling) is the registry's `token`. */
export function isType(type: string, token: ResourceType): boolean {
    return normalizeType(type) === token;
}

/** Whether a type holds data (see ResourceTypeInfo.stateful). */
export function isStatefulType(type: string): boolean {
    return resourceType(type)?.stateful === true;
}

/** Every azure-native resource is also replaced when its resource group changes. */
export const COMMON_REPLACEMENT_RULES: readonly ReplacementRule[] = [
    { path: "resourceGroupName", why: "a resource moved to another resource group is recreated" },
];

/** The inputs whose change replaces a resource of `type`. */
export function replacementRules(type: string): readonly ReplacementRule[] {
    const own = resourceType(type)?.replaceOn ?? [];
    return type.startsWith("azure-native:") ? [...COMMON_REPLACEMENT_RULES, ...own] : own;
}
