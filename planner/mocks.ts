import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { normalizeType, resourceType } from "../lib/resourceTypes";

/**
 * Resource properties as the engine hands them over: Pulumi's own Mocks interface types them
 * `Record<string, any>` (MockResourceArgs.inputs, the returned state), and so do policy arguments.
 */
export type EngineProps = Record<string, pulumi.runtime.MockResourceArgs["inputs"]>;

/**
 * Pulumi mocks whose ids and computed outputs look like Azure's (ARM resource ids, GUIDs for
 * principal ids, FQDNs, endpoints) so that every downstream input is filled in an offline plan.
 */

export const MOCK_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001";
export const MOCK_TENANT_ID = "00000000-0000-4000-8000-000000000002";

/** A stable GUID derived from a seed, so that plans are reproducible. */
export function mockGuid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The ARM namespace of each azure-native module (of canonical tokens, lib/resourceTypes.ts normalizeType). */
const ARM_NAMESPACES: Record<string, string> = {
    authorization: "Microsoft.Authorization",
    compute: "Microsoft.Compute",
    containerservice: "Microsoft.ContainerService",
    dbforpostgresql: "Microsoft.DBforPostgreSQL",
    cosmosdb: "Microsoft.DocumentDB",
    managedidentity: "Microsoft.ManagedIdentity",
    monitor: "Microsoft.Insights",
    network: "Microsoft.Network",
    operationalinsights: "Microsoft.OperationalInsights",
    operationsmanagement: "Microsoft.OperationsManagement",
    privatedns: "Microsoft.Network",
    storage: "Microsoft.Storage",
};

/** The resource's Azure name: its name input (lib/resourceTypes.ts), else a `name` input, else the logical name. */
function azureName(type: string, name: string, inputs: Record<string, unknown>): string {
    const field = resourceType(type)?.nameField;
    const own = field === undefined ? undefined : inputs[field];
    if (typeof own === "string" && own !== "") return own;
    return typeof inputs.name === "string" ? inputs.name : name;
}

/** Child resources live under their parent's id: type -> [input naming the parent, parent segment, child segment]. */
const CHILD_TYPES: Record<string, [string, string, string]> = {
    "azure-native:network:Subnet": ["virtualNetworkName", "virtualNetworks", "subnets"],
    "azure-native:containerservice:AgentPool": ["resourceName", "managedClusters", "agentPools"],
    "azure-native:containerservice:MaintenanceConfiguration": ["resourceName", "managedClusters", "maintenanceConfigurations"],
    "azure-native:storage:BlobContainer": ["accountName", "storageAccounts", "blobServices/default/containers"],
    "azure-native:storage:BlobServiceProperties": ["accountName", "storageAccounts", "blobServices"],
    "azure-native:storage:ManagementPolicy": ["accountName", "storageAccounts", "managementPolicies"],
    "azure-native:cosmosdb:SqlResourceSqlDatabase": ["accountName", "databaseAccounts", "sqlDatabases"],
    "azure-native:cosmosdb:SqlResourceSqlRoleAssignment": ["accountName", "databaseAccounts", "sqlRoleAssignments"],
    "azure-native:dbforpostgresql:Database": ["serverName", "flexibleServers", "databases"],
    "azure-native:dbforpostgresql:Configuration": ["serverName", "flexibleServers", "configurations"],
    "azure-native:managedidentity:FederatedIdentityCredential": ["resourceName", "userAssignedIdentities", "federatedIdentityCredentials"],
    "azure-native:privatedns:VirtualNetworkLink": ["privateZoneName", "privateDnsZones", "virtualNetworkLinks"],
};

function armId(anyType: string, name: string, inputs: EngineProps): string {
    const type = normalizeType(anyType);
    const [, module = "", resource = ""] = type.split(":");
    const sub = `/subscriptions/${MOCK_SUBSCRIPTION_ID}`;
    const azName = azureName(type, name, inputs);
    if (type === "azure-native:resources:ResourceGroup") return `${sub}/resourceGroups/${azName}`;
    const ns = ARM_NAMESPACES[module] ?? `Microsoft.${module}`;
    const lower = resource.charAt(0).toLowerCase() + resource.slice(1);
    // ARM's collection names: userAssignedIdentities, virtualMachines, disks.
    const plural = lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : lower.endsWith("s") ? lower : `${lower}s`;
    // Extension resources (locks, role and rule associations) live under the resource they apply to.
    const scope =
        typeof inputs.scope === "string"
            ? inputs.scope
            : typeof inputs.resourceUri === "string"
              ? inputs.resourceUri
              : `${sub}/resourceGroups/${inputs.resourceGroupName ?? "rg-mock"}`;
    const child = CHILD_TYPES[type];
    if (child && typeof inputs[child[0]] === "string") {
        return `${scope}/providers/${ns}/${child[1]}/${inputs[child[0]]}/${child[2]}/${azName}`;
    }
    if (type === "azure-native:dbforpostgresql:Server") return `${scope}/providers/${ns}/flexibleServers/${azName}`;
    if (type === "azure-native:privatedns:PrivateZone") return `${scope}/providers/${ns}/privateDnsZones/${azName}`;
    return `${scope}/providers/${ns}/${plural}/${azName}`;
}

const KUBECONFIG = (server: string, name: string) =>
    [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${name}`,
        "  cluster:",
        `    server: https://${server}:443`,
        "    certificate-authority-data: TU9DSy1DQQ==",
        "contexts:",
        `- name: ${name}`,
        "  context:",
        `    cluster: ${name}`,
        `    user: clusterUser_${name}`,
        `current-context: ${name}`,
        "users:",
        `- name: clusterUser_${name}`,
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        "      command: kubelogin",
        "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]",
        "",
    ].join("\n");

function computedState(type: string, name: string, inputs: EngineProps, id: string): EngineProps {
    const azName = azureName(type, name, inputs);
    const location = inputs.location ?? "westeurope";
    switch (type) {
        case "azure-native:containerservice:ManagedCluster":
            return {
                fqdn: `${inputs.dnsPrefix ?? azName}-${mockGuid(id).slice(0, 8)}.hcp.${location}.azmk8s.io`,
                privateFQDN: `${inputs.dnsPrefix ?? azName}-${mockGuid(id).slice(0, 8)}.privatelink.${location}.azmk8s.io`,
                nodeResourceGroup: inputs.nodeResourceGroup ?? `MC_${inputs.resourceGroupName}_${azName}_${location}`,
                oidcIssuerProfile: {
                    ...(inputs.oidcIssuerProfile ?? {}),
                    issuerURL: `https://${location}.oic.prod-aks.azure.com/${MOCK_TENANT_ID}/${mockGuid(id + "oidc")}/`,
                },
                identity: { ...(inputs.identity ?? {}), principalId: mockGuid(id + "principal"), tenantId: MOCK_TENANT_ID },
                identityProfile: {
                    kubeletidentity: {
                        clientId: mockGuid(id + "kubelet-client"),
                        objectId: mockGuid(id + "kubelet-object"),
                        resourceId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/MC_${inputs.resourceGroupName}_${azName}_${location}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${azName}-agentpool`,
                    },
                },
            };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { clientId: mockGuid(id + "client"), principalId: mockGuid(id + "principal"), tenantId: MOCK_TENANT_ID };
        case "azure-native:storage:StorageAccount":
            return {
                primaryEndpoints: {
                    blob: `https://${azName}.blob.core.windows.net/`,
                    dfs: `https://${azName}.dfs.core.windows.net/`,
                    queue: `https://${azName}.queue.core.windows.net/`,
                    table: `https://${azName}.table.core.windows.net/`,
                },
            };
        case "azure-native:cosmosdb:DatabaseAccount":
            return { documentEndpoint: `https://${azName}.documents.azure.com:443/` };
        case "azure-native:dbforpostgresql:Server":
            return { fullyQualifiedDomainName: `${azName}.postgres.database.azure.com` };
        case "azure-native:network:PublicIPAddress":
            return {
                ipAddress: "20.0.113.10",
                dnsSettings: {
                    ...(inputs.dnsSettings ?? {}),
                    fqdn: `${inputs.dnsSettings?.domainNameLabel ?? azName}.${location}.cloudapp.azure.com`,
                },
            };
        case "azure-native:compute:VirtualMachine":
            return { vmId: mockGuid(id), identity: { ...(inputs.identity ?? {}), principalId: mockGuid(id + "principal") } };
        case "azure-native:operationalinsights:Workspace":
            return { customerId: mockGuid(id + "customer") };
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString":
            return {
                result: `mock-${createHash("sha256")
                    .update(id)
                    .digest("hex")
                    .slice(0, inputs.length ?? 16)}`,
            };
        case "random:index/randomUuid:RandomUuid":
            return { result: mockGuid(id) };
        default:
            return {};
    }
}

export class AzureLikeMocks implements pulumi.runtime.Mocks {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: EngineProps } {
        const inputs = unwrapSecrets(args.inputs ?? {}) as EngineProps;
        if (!args.custom) return { id: undefined, state: {} };
        let id: string;
        if (args.type.startsWith("azure-native:")) id = armId(args.type, args.name, inputs);
        else if (args.type.startsWith("kubernetes:"))
            id = `${inputs.metadata?.namespace ? inputs.metadata.namespace + "/" : ""}${inputs.metadata?.name ?? args.name}`;
        else id = `${args.name}-id`;
        const state = { ...inputs, name: azureName(args.type, args.name, inputs), id, ...computedState(args.type, args.name, inputs, id) };
        // Keep the secret markers of the inputs on the outputs, as the engine does.
        return { id, state: rewrapSecrets(args.inputs ?? {}, state) };
    }

    call(args: pulumi.runtime.MockCallArgs): EngineProps {
        const inputs = unwrapSecrets(args.inputs ?? {}) as EngineProps;
        switch (args.token) {
            case "azure-native:containerservice:listManagedClusterUserCredentials":
            case "azure-native:containerservice:listManagedClusterAdminCredentials": {
                const server = `${inputs.resourceName}-mock.hcp.westeurope.azmk8s.io`;
                return {
                    kubeconfigs: [{ name: "clusterUser", value: Buffer.from(KUBECONFIG(server, inputs.resourceName)).toString("base64") }],
                };
            }
            case "azure-native:storage:listStorageAccountKeys":
                return {
                    keys: [
                        { keyName: "key1", permissions: "FULL", value: Buffer.from(`mock-key-${inputs.accountName}`).toString("base64") },
                    ],
                };
            case "azure-native:authorization:getClientConfig":
                return {
                    clientId: mockGuid("client"),
                    objectId: mockGuid("deployer"),
                    subscriptionId: MOCK_SUBSCRIPTION_ID,
                    tenantId: MOCK_TENANT_ID,
                };
            default:
                return inputs;
        }
    }
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretMarker(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Removes the engine's secret markers, returning plain values. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretMarker(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object" && !(v as Record<string, unknown>)[SIG_KEY]) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** Paths (a.b[0].c) of the secret values inside a deserialized property map. */
export function secretPaths(v: unknown, path = ""): string[] {
    if (isSecretMarker(v)) return [path];
    if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, `${path}[${i}]`));
    if (v && typeof v === "object" && !(v as Record<string, unknown>)[SIG_KEY]) {
        return Object.entries(v).flatMap(([k, x]) => secretPaths(x, path ? `${path}.${k}` : k));
    }
    return [];
}

function rewrapSecrets(original: EngineProps, state: EngineProps): EngineProps {
    const out = { ...state };
    for (const [k, v] of Object.entries(original)) {
        if (isSecretMarker(v)) out[k] = { [SIG_KEY]: SECRET_SIG, value: state[k] };
    }
    return out;
}
