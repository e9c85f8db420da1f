/**
 * Hand-built plan fixtures for the policy tests: a "golden" stack that complies with every rule (in
 * prod and in dev), and a tiny builder to derive violating variants from it.
 */
import type { PlanResource } from "../../planner/types";

export type Env = "dev" | "prod";

const SUB = "/subscriptions/00000000-0000-4000-8000-000000000001";
export const RG = "rg-pachlab-test";
const RGID = `${SUB}/resourceGroups/${RG}`;
export const ids = {
    account: `${RGID}/providers/Microsoft.Storage/storageAccounts/stpachlabtest1a2b3c`,
    cosmos: `${RGID}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-pachlab-test-1a2b3c`,
    vnet: `${RGID}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-test`,
    subnetAks: `${RGID}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-test/subnets/snet-pachlab-test-aks`,
    subnetIngress: `${RGID}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-test/subnets/snet-pachlab-test-ingress`,
    subnetPep: `${RGID}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-test/subnets/snet-pachlab-test-pep`,
    subnetPsql: `${RGID}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-test/subnets/snet-pachlab-test-psql`,
    nsg: (n: string) => `${RGID}/providers/Microsoft.Network/networkSecurityGroups/nsg-pachlab-test-${n}`,
    pip: `${RGID}/providers/Microsoft.Network/publicIPAddresses/pip-pachlab-test-ingress`,
    lb: `${RGID}/providers/Microsoft.Network/loadBalancers/lbe-pachlab-test`,
    nic: `${RGID}/providers/Microsoft.Network/networkInterfaces/nic-pachlab-test-ingress`,
    dnsPsql: `${RGID}/providers/Microsoft.Network/privateDnsZones/pachlab.private.postgres.database.azure.com`,
    keyVaultKey: "https://kv-pachlab-test.vault.azure.net/keys/storage",
};
export const INGRESS_CIDR = "10.40.16.0/26";

const tags = (env: Env) => ({ environment: env, project: "pachyderm-azure", owner: "data-platform", "cost-center": "research" });

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::pachyderm-azure::${type}::${name}`;
}

/** A plan resource with defaults for every field; `opts` overrides resource options. */
export function res(type: string, name: string, inputs: Record<string, unknown>, opts: Partial<PlanResource> = {}): PlanResource {
    return {
        urn: urnOf(type, name),
        type,
        name,
        parent: "urn:pulumi:test::pachyderm-azure::pulumi:pulumi:Stack::pachyderm-azure-test",
        provider: type.startsWith("kubernetes:") ? urnOf("pulumi:providers:kubernetes", "k8s") : null,
        component: false,
        protect: false,
        retainOnDelete: false,
        ignoreChanges: [],
        dependsOn: [],
        dependencies: [],
        aliases: [],
        replaceOnChanges: [],
        deleteBeforeReplace: false,
        deletedWith: null,
        inputs,
        secretInputs: [],
        ...opts,
    };
}

// ------------------------------------------------------------------------------------------------
// Kubernetes pieces
// ------------------------------------------------------------------------------------------------

export const NS = "pachyderm";

export function container(name: string, image: string, probes = true): Record<string, unknown> {
    return {
        name,
        image,
        resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            privileged: false,
            capabilities: { drop: ["ALL"] },
        },
        ...(probes
            ? {
                  readinessProbe: { httpGet: { path: "/healthz", port: 1650 } },
                  livenessProbe: { httpGet: { path: "/healthz", port: 1650 } },
              }
            : {}),
    };
}

function podSpec(sa: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        serviceAccountName: sa,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
        containers,
        ...extra,
    };
}

const zoneSpread = (labels: Record<string, string>) => ({
    topologySpreadConstraints: [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: labels },
        },
    ],
});

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: NS, ...extra } });

function k8sStack(): PlanResource[] {
    const pachdLabels = { app: "pachd", suite: "pachyderm" };
    const etcdLabels = { app: "etcd", suite: "pachyderm" };
    return [
        res("pulumi:providers:kubernetes", "k8s", { namespace: NS }),
        res("kubernetes:core/v1:Namespace", "ns", { metadata: { name: NS } }),
        res("kubernetes:core/v1:ServiceAccount", "pachd-sa", { ...meta("pachd"), automountServiceAccountToken: false }),
        res("kubernetes:core/v1:ServiceAccount", "etcd-sa", { ...meta("etcd"), automountServiceAccountToken: false }),
        res("kubernetes:core/v1:ServiceAccount", "backup-sa", { ...meta("etcd-backup"), automountServiceAccountToken: false }),
        res("kubernetes:rbac.authorization.k8s.io/v1:Role", "pachd-role", {
            ...meta("pachd"),
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create"] }],
        }),
        res("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "pachd-rb", {
            ...meta("pachd"),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pachd" },
            subjects: [{ kind: "ServiceAccount", name: "pachd", namespace: NS }],
        }),
        res("kubernetes:apps/v1:Deployment", "pachd", {
            ...meta("pachd", { labels: pachdLabels }),
            spec: {
                replicas: 2,
                selector: { matchLabels: pachdLabels },
                template: {
                    metadata: { labels: pachdLabels },
                    spec: {
                        ...podSpec("pachd", [container("pachd", "pachyderm/pachd:2.12.2")], zoneSpread(pachdLabels)),
                        automountServiceAccountToken: true,
                    },
                },
            },
        }),
        res("kubernetes:apps/v1:StatefulSet", "etcd", {
            ...meta("etcd", { labels: etcdLabels }),
            spec: {
                replicas: 3,
                serviceName: "etcd-headless",
                selector: { matchLabels: etcdLabels },
                template: {
                    metadata: { labels: etcdLabels },
                    spec: podSpec("etcd", [container("etcd", "pachyderm/etcd:v3.5.5")], zoneSpread(etcdLabels)),
                },
            },
        }),
        res("kubernetes:batch/v1:CronJob", "etcd-backup", {
            ...meta("etcd-backup"),
            spec: {
                schedule: "0 */6 * * *",
                jobTemplate: {
                    spec: {
                        template: {
                            spec: {
                                ...podSpec("etcd-backup", [
                                    {
                                        ...container("snapshot", "pachyderm/etcd:v3.5.5", false),
                                        command: ["etcdctl", "snapshot", "save", "/snapshot/etcd.db"],
                                    },
                                ]),
                                restartPolicy: "OnFailure",
                            },
                        },
                    },
                },
            },
        }),
        res("kubernetes:policy/v1:PodDisruptionBudget", "pachd-pdb", {
            ...meta("pachd"),
            spec: { maxUnavailable: 1, selector: { matchLabels: { app: "pachd" } } },
        }),
        res("kubernetes:policy/v1:PodDisruptionBudget", "etcd-pdb", {
            ...meta("etcd"),
            spec: { minAvailable: 2, selector: { matchLabels: { app: "etcd" } } },
        }),
        res("kubernetes:core/v1:Service", "pachd-lb", {
            ...meta("pachd-lb", { annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" } }),
            spec: {
                type: "LoadBalancer",
                loadBalancerIP: "10.40.15.250",
                selector: pachdLabels,
                ports: [{ name: "grpc", port: 30650, targetPort: 1650 }],
            },
        }),
        res("kubernetes:core/v1:Service", "etcd-headless", {
            ...meta("etcd-headless"),
            spec: { clusterIP: "None", selector: etcdLabels, ports: [{ port: 2379 }] },
        }),
        res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny", {
            ...meta("default-deny"),
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }),
        res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "pachd-allow", {
            ...meta("pachd-allow"),
            spec: {
                podSelector: { matchLabels: { app: "pachd" } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ ipBlock: { cidr: INGRESS_CIDR } }, { podSelector: {} }], ports: [{ port: 1650 }] }],
            },
        }),
        res("kubernetes:networking.k8s.io/v1:NetworkPolicy", "etcd-allow", {
            ...meta("etcd-allow"),
            spec: {
                podSelector: { matchLabels: { app: "etcd" } },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [{ podSelector: { matchLabels: { app: "pachd" } } }, { podSelector: { matchLabels: { app: "etcd" } } }] },
                ],
            },
        }),
        res("kubernetes:storage.k8s.io/v1:StorageClass", "metadata-sc", {
            metadata: { name: "pachyderm-metadata" },
            provisioner: "disk.csi.azure.com",
            reclaimPolicy: "Retain",
            allowVolumeExpansion: true,
            volumeBindingMode: "WaitForFirstConsumer",
            parameters: { skuName: "Premium_ZRS", networkAccessPolicy: "DenyAll", publicNetworkAccess: "Disabled" },
        }),
        res(
            "kubernetes:core/v1:Secret",
            "pachd-root-token",
            { ...meta("pachd-root-token"), type: "Opaque", stringData: { "root-token": "[secret]" } },
            { secretInputs: ["stringData"] },
        ),
    ];
}

// ------------------------------------------------------------------------------------------------
// Azure pieces
// ------------------------------------------------------------------------------------------------

function azureStack(env: Env): PlanResource[] {
    const t = tags(env);
    const prod = env === "prod";
    const stateful = prod ? { protect: true } : {};
    const rg = res("azure-native:resources:ResourceGroup", "rg", { resourceGroupName: RG, location: "westeurope", tags: t }, stateful);
    const dep = (...rs: PlanResource[]) => ({ dependencies: rs.map((r) => r.urn) });
    const account = res(
        "azure-native:storage:StorageAccount",
        "data",
        {
            accountName: "stpachlabtest1a2b3c",
            resourceGroupName: RG,
            location: "westeurope",
            kind: "StorageV2",
            sku: { name: prod ? "Standard_GZRS" : "Standard_LRS" },
            accessTier: "Hot",
            isHnsEnabled: false,
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
            defaultToOAuthAuthentication: true,
            isLocalUserEnabled: false,
            allowCrossTenantReplication: false,
            publicNetworkAccess: "Disabled",
            networkRuleSet: { defaultAction: "Deny", bypass: "None" },
            encryption: {
                requireInfrastructureEncryption: true,
                keySource: "Microsoft.Keyvault",
                keyVaultProperties: { keyName: "storage", keyVaultUri: "https://kv-pachlab-test.vault.azure.net" },
                services: { blob: { enabled: true, keyType: "Account" } },
            },
            tags: t,
        },
        { ...dep(rg), ...(prod ? { protect: true, retainOnDelete: true } : {}) },
    );
    const blobService = res(
        "azure-native:storage:BlobServiceProperties",
        "data-blob",
        {
            accountName: "stpachlabtest1a2b3c",
            resourceGroupName: RG,
            blobServicesName: "default",
            deleteRetentionPolicy: { enabled: true, days: prod ? 30 : 7 },
            containerDeleteRetentionPolicy: { enabled: true, days: prod ? 30 : 7 },
            isVersioningEnabled: true,
            changeFeed: { enabled: true, retentionInDays: 90 },
            ...(prod ? { restorePolicy: { enabled: true, days: 29 } } : {}),
        },
        { ...dep(account, rg), ...stateful },
    );
    const containerRes = res(
        "azure-native:storage:BlobContainer",
        "data-container",
        {
            accountName: "stpachlabtest1a2b3c",
            resourceGroupName: RG,
            containerName: "pachyderm",
            publicAccess: "None",
            immutableStorageWithVersioning: { enabled: true },
        },
        { ...dep(account, blobService), ...(prod ? { protect: true, retainOnDelete: true } : {}) },
    );
    const pepStorage = res(
        "azure-native:network:PrivateEndpoint",
        "pep-blob",
        {
            resourceGroupName: RG,
            subnet: { id: ids.subnetPep },
            tags: t,
            privateLinkServiceConnections: [{ name: "blob", groupIds: ["blob"], privateLinkServiceId: ids.account }],
        },
        dep(account),
    );
    const pepCosmos = res("azure-native:network:PrivateEndpoint", "pep-cosmos", {
        resourceGroupName: RG,
        subnet: { id: ids.subnetPep },
        tags: t,
        privateLinkServiceConnections: [{ name: "sql", groupIds: ["Sql"], privateLinkServiceId: ids.cosmos }],
    });
    const lock = res(
        "azure-native:authorization:ManagementLockAtResourceLevel",
        "data-lock",
        {
            level: "CanNotDelete",
            lockName: "lock-pachlab-test-data",
            notes: "Pachyderm data",
            parentResourcePath: "",
            resourceGroupName: RG,
            resourceName: "stpachlabtest1a2b3c",
            resourceProviderNamespace: "Microsoft.Storage",
            resourceType: "storageAccounts",
        },
        dep(account),
    );
    const fic = res("azure-native:managedidentity:FederatedIdentityCredential", "pachd-fic", {
        resourceGroupName: RG,
        resourceName: "id-pachlab-test-pachd",
        issuer: "https://oidc.example/",
        subject: `system:serviceaccount:${NS}:pachd`,
        audiences: ["api://AzureADTokenExchange"],
    });
    const pool = (name: string, mode: string, extra: Record<string, unknown>) => ({
        name,
        mode,
        vmSize: "Standard_D4ds_v5",
        osType: "Linux",
        osSKU: "AzureLinux",
        type: "VirtualMachineScaleSets",
        availabilityZones: ["1", "2", "3"],
        enableNodePublicIP: false,
        enableEncryptionAtHost: true,
        osDiskType: "Ephemeral",
        maxPods: 110,
        vnetSubnetID: ids.subnetAks,
        ...extra,
    });
    const cluster = res("azure-native:containerservice:ManagedCluster", "aks", {
        resourceGroupName: RG,
        resourceName: "aks-pachlab-test",
        dnsPrefix: "aks-pachlab-test",
        kubernetesVersion: "1.32",
        tags: t,
        sku: { name: "Base", tier: prod ? "Standard" : "Free" },
        enableRBAC: true,
        aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [] },
        disableLocalAccounts: true,
        apiServerAccessProfile: { enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] },
        networkProfile: {
            networkPlugin: "azure",
            networkPluginMode: "overlay",
            networkPolicy: "cilium",
            networkDataplane: "cilium",
            loadBalancerSku: "standard",
            podCidr: "192.168.0.0/16",
            serviceCidr: "172.16.0.0/16",
            dnsServiceIP: "172.16.0.10",
        },
        addonProfiles: {
            azurepolicy: { enabled: true },
            omsagent: {
                enabled: true,
                config: { logAnalyticsWorkspaceResourceID: `${RGID}/providers/Microsoft.OperationalInsights/workspaces/log` },
            },
        },
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
        agentPoolProfiles: [
            pool("system", "System", { count: 3, enableAutoScaling: false, nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"] }),
        ],
    });
    const userPool = res(
        "azure-native:containerservice:AgentPool",
        "pool-pachyderm",
        {
            resourceGroupName: RG,
            resourceName: "aks-pachlab-test",
            agentPoolName: "pachyderm",
            ...pool("pachyderm", "User", { enableAutoScaling: true, minCount: 2, maxCount: 12, count: 2 }),
            tags: t,
        },
        dep(cluster),
    );
    delete (userPool.inputs as Record<string, unknown>).name;
    const maintenance = res(
        "azure-native:containerservice:MaintenanceConfiguration",
        "maintenance",
        {
            resourceGroupName: RG,
            resourceName: "aks-pachlab-test",
            configName: "aksManagedAutoUpgradeSchedule",
            maintenanceWindow: {
                durationHours: 4,
                schedule: { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } },
                startTime: "02:00",
                utcOffset: "+00:00",
            },
        },
        dep(cluster),
    );
    const nsgs = ["aks", "ingress", "pep", "psql"].map((n) =>
        res("azure-native:network:NetworkSecurityGroup", `nsg-${n}`, {
            resourceGroupName: RG,
            networkSecurityGroupName: `nsg-pachlab-test-${n}`,
            tags: t,
            securityRules:
                n === "ingress"
                    ? [
                          {
                              name: "allow-https",
                              priority: 100,
                              direction: "Inbound",
                              access: "Allow",
                              protocol: "Tcp",
                              sourceAddressPrefix: "Internet",
                              sourcePortRange: "*",
                              destinationAddressPrefix: "*",
                              destinationPortRange: "443",
                          },
                          {
                              name: "allow-ssh-admins",
                              priority: 110,
                              direction: "Inbound",
                              access: "Allow",
                              protocol: "Tcp",
                              sourceAddressPrefixes: ["203.0.113.0/24"],
                              sourcePortRange: "*",
                              destinationAddressPrefix: "*",
                              destinationPortRange: "22",
                          },
                      ]
                    : [],
        }),
    );
    const subnet = (n: string, prefix: string, extra: Record<string, unknown> = {}) =>
        res("azure-native:network:Subnet", `snet-${n}`, {
            resourceGroupName: RG,
            virtualNetworkName: "vnet-pachlab-test",
            subnetName: `snet-pachlab-test-${n}`,
            addressPrefix: prefix,
            networkSecurityGroup: { id: ids.nsg(n) },
            ...extra,
        });
    const vnet = res("azure-native:network:VirtualNetwork", "vnet", {
        resourceGroupName: RG,
        virtualNetworkName: "vnet-pachlab-test",
        addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
        tags: t,
    });
    const subnets = [
        subnet("aks", "10.40.0.0/20"),
        subnet("ingress", INGRESS_CIDR),
        subnet("pep", "10.40.16.128/26"),
        subnet("psql", "10.40.16.192/28", { delegations: [{ name: "psql", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }] }),
    ];
    const pip = res("azure-native:network:PublicIPAddress", "pip-ingress", {
        resourceGroupName: RG,
        publicIpAddressName: "pip-pachlab-test-ingress",
        sku: { name: "Standard", tier: "Regional" },
        publicIPAllocationMethod: "Static",
        publicIPAddressVersion: "IPv4",
        zones: prod ? ["1", "2", "3"] : [],
        tags: t,
    });
    const lb = res(
        "azure-native:network:LoadBalancer",
        "lbe",
        {
            resourceGroupName: RG,
            loadBalancerName: "lbe-pachlab-test",
            sku: { name: "Standard", tier: "Regional" },
            tags: t,
            frontendIPConfigurations: [{ name: "public", publicIPAddress: { id: ids.pip } }],
            backendAddressPools: [{ name: "ingress" }],
            probes: [{ name: "https", protocol: "Tcp", port: 443, intervalInSeconds: 5, numberOfProbes: 2 }],
            loadBalancingRules: [
                {
                    name: "https",
                    protocol: "Tcp",
                    frontendPort: 443,
                    backendPort: 443,
                    idleTimeoutInMinutes: 30,
                    enableTcpReset: true,
                    disableOutboundSnat: true,
                    frontendIPConfiguration: { id: `${ids.lb}/frontendIPConfigurations/public` },
                    backendAddressPool: { id: `${ids.lb}/backendAddressPools/ingress` },
                    probe: { id: `${ids.lb}/probes/https` },
                },
            ],
        },
        dep(pip),
    );
    const nat = res(
        "azure-native:network:InboundNatRule",
        "lbe-ssh",
        {
            resourceGroupName: RG,
            loadBalancerName: "lbe-pachlab-test",
            inboundNatRuleName: "ssh",
            protocol: "Tcp",
            frontendPort: 22,
            backendPort: 22,
            frontendIPConfiguration: { id: `${ids.lb}/frontendIPConfigurations/public` },
        },
        dep(lb),
    );
    const nic = res("azure-native:network:NetworkInterface", "nic-ingress", {
        resourceGroupName: RG,
        networkInterfaceName: "nic-pachlab-test-ingress",
        tags: t,
        ipConfigurations: [
            {
                name: "ipconfig",
                privateIPAllocationMethod: "Dynamic",
                subnet: { id: ids.subnetIngress },
                loadBalancerBackendAddressPools: [{ id: `${ids.lb}/backendAddressPools/ingress` }],
            },
        ],
    });
    const vm = res(
        "azure-native:compute:VirtualMachine",
        "vm-ingress",
        {
            resourceGroupName: RG,
            vmName: "vm-pachlab-test-ingress",
            zones: ["1"],
            tags: t,
            hardwareProfile: { vmSize: "Standard_D2s_v5" },
            osProfile: {
                computerName: "ingress",
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
                osDisk: { createOption: "FromImage", managedDisk: { storageAccountType: "Premium_ZRS" } },
            },
            securityProfile: { encryptionAtHost: true },
            networkProfile: { networkInterfaces: [{ id: ids.nic, primary: true }] },
        },
        { dependencies: [nic.urn], secretInputs: ["osProfile.customData"] },
    );
    const cosmos = res(
        "azure-native:cosmosdb:DatabaseAccount",
        "cosmos",
        {
            resourceGroupName: RG,
            accountName: "cosmos-pachlab-test-1a2b3c",
            databaseAccountOfferType: "Standard",
            kind: "GlobalDocumentDB",
            tags: t,
            disableLocalAuth: true,
            disableKeyBasedMetadataWriteAccess: true,
            publicNetworkAccess: "Disabled",
            minimalTlsVersion: "Tls12",
            backupPolicy: { type: "Continuous", continuousModeProperties: { tier: prod ? "Continuous30Days" : "Continuous7Days" } },
            enableAutomaticFailover: prod,
            locations: [{ locationName: "westeurope", failoverPriority: 0, isZoneRedundant: prod }],
            consistencyPolicy: { defaultConsistencyLevel: "Session" },
        },
        stateful,
    );
    const psql = res(
        "azure-native:dbforpostgresql:Server",
        "psql",
        {
            resourceGroupName: RG,
            serverName: "psql-pachlab-test-1a2b3c",
            version: "16",
            tags: t,
            administratorLogin: "pachyderm",
            administratorLoginPassword: "[secret]",
            sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
            storage: { storageSizeGB: 128 },
            network: {
                delegatedSubnetResourceId: ids.subnetPsql,
                privateDnsZoneArmResourceId: ids.dnsPsql,
                publicNetworkAccess: "Disabled",
            },
            backup: { backupRetentionDays: 14, geoRedundantBackup: prod ? "Enabled" : "Disabled" },
            highAvailability: { mode: prod ? "ZoneRedundant" : "Disabled" },
        },
        { ...stateful, secretInputs: ["administratorLoginPassword"] },
    );
    const psqlTls = res(
        "azure-native:dbforpostgresql:Configuration",
        "psql-tls",
        {
            resourceGroupName: RG,
            serverName: "psql-pachlab-test-1a2b3c",
            configurationName: "require_secure_transport",
            value: "on",
            source: "user-override",
        },
        dep(psql),
    );
    const disk = res(
        "azure-native:compute:Disk",
        "disk-etcd-0",
        {
            resourceGroupName: RG,
            diskName: "disk-pachlab-test-etcd-0",
            diskSizeGB: 256,
            creationData: { createOption: "Empty" },
            tags: t,
            sku: { name: prod ? "Premium_ZRS" : "Premium_LRS" },
            networkAccessPolicy: "DenyAll",
            publicNetworkAccess: "Disabled",
            encryption: { type: "EncryptionAtRestWithPlatformKey" },
        },
        stateful,
    );
    const vault = res("azure-native:keyvault:Vault", "kv", {
        resourceGroupName: RG,
        vaultName: "kv-pachlab-test",
        tags: t,
        properties: {
            tenantId: "00000000-0000-4000-8000-000000000002",
            sku: { family: "A", name: "standard" },
            enablePurgeProtection: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: 90,
            enableRbacAuthorization: true,
            publicNetworkAccess: "Disabled",
            networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
        },
    });
    return [
        rg,
        account,
        blobService,
        containerRes,
        pepStorage,
        pepCosmos,
        lock,
        fic,
        cluster,
        userPool,
        maintenance,
        ...nsgs,
        vnet,
        ...subnets,
        pip,
        lb,
        nat,
        nic,
        vm,
        cosmos,
        psql,
        psqlTls,
        disk,
        vault,
    ];
}

/** A stack that complies with every rule (including the advisory ones) for `env`. */
export function goldenStack(env: Env): PlanResource[] {
    return [...azureStack(env), ...k8sStack()];
}

/** Mutable view of a fixture stack used by the violating cases. */
export class Stack {
    constructor(public resources: PlanResource[]) {}

    static golden(env: Env): Stack {
        return new Stack(JSON.parse(JSON.stringify(goldenStack(env))));
    }

    /** The one resource named `name` (fails loudly). */
    get(name: string): PlanResource {
        const found = this.resources.filter((r) => r.name === name);
        if (found.length !== 1) throw new Error(`fixture: expected one resource named ${name}, found ${found.length}`);
        return found[0];
    }

    /** Inputs of the resource `name`. */
    in(name: string): Record<string, any> {
        return this.get(name).inputs as Record<string, any>;
    }

    add(...rs: PlanResource[]): this {
        this.resources.push(...rs);
        return this;
    }

    remove(name: string): this {
        this.get(name);
        this.resources = this.resources.filter((r) => r.name !== name);
        return this;
    }

    /** The pod spec of a workload fixture. */
    pod(name: string): Record<string, any> {
        const i = this.in(name);
        return i.spec?.jobTemplate?.spec?.template?.spec ?? i.spec?.template?.spec ?? i.spec;
    }
}
