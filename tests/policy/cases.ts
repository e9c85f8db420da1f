/** The fixture table of tests/policy/rules.test.ts: compliant and violating cases per policy. */
import type { PlanResource } from "../../planner/types";
import type { PolicyConfigInput } from "../helpers/policyEngine";
import { container, Env, ids, NS, res, Stack } from "./fixtures";

/** A compliant extra Deployment (for network-policy cases). */
function consoleDeployment() {
    const labels = { app: "console", suite: "pachyderm" };
    return res("kubernetes:apps/v1:Deployment", "console", {
        metadata: { name: "console", namespace: NS, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    serviceAccountName: "etcd-backup",
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [container("console", "pachyderm/haberdashery:2.12.2")],
                },
            },
        },
    });
}

/** GlusterFS VM `i` as the GlusterMetadataStore component declares it (parent type in the URN, customData ignored). */
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

export interface Case {
    title: string;
    env?: Env;
    config?: PolicyConfigInput;
    mutate?: (s: Stack) => void;
}

export interface RuleCases {
    compliant: Case[];
    violating: Case[];
}

const golden: Case[] = [
    { title: "golden prod stack", env: "prod" },
    { title: "golden dev stack", env: "dev" },
];
const goldenProd: Case[] = [{ title: "golden prod stack", env: "prod" }];
const sharedKey: PolicyConfigInput = { all: { storageAuthMode: "sharedKey" } };

const SPOT_KEY = "kubernetes.azure.com/scalesetpriority";

/** The cheap dev profile: an untainted system pool, the worker pool on Spot from 0 nodes. */
function spotProfile(s: Stack): void {
    delete s.in("aks").agentPoolProfiles[0].nodeTaints;
    Object.assign(s.in("pool-pachyderm"), {
        scaleSetPriority: "Spot",
        scaleSetEvictionPolicy: "Delete",
        spotMaxPrice: -1,
        minCount: 0,
        count: 0,
    });
}

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

export const CASES: Record<string, RuleCases> = {
    // ---------------------------------------------------------------- storage
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
    // ---------------------------------------------------------------- AKS
    "aks-rbac-entra-id": {
        compliant: [
            ...golden,
            {
                title: "local accounts allowed in dev",
                env: "dev",
                mutate: (s) => {
                    s.in("aks").disableLocalAccounts = false;
                },
            },
        ],
        violating: [
            {
                title: "no Kubernetes RBAC",
                mutate: (s) => {
                    s.in("aks").enableRBAC = false;
                },
            },
            {
                title: "no Azure RBAC",
                mutate: (s) => {
                    s.in("aks").aadProfile.enableAzureRBAC = false;
                },
            },
            {
                title: "local accounts in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("aks").disableLocalAccounts = false;
                },
            },
        ],
    },
    "aks-api-server-access": {
        compliant: [
            ...golden,
            {
                title: "private cluster",
                mutate: (s) => {
                    s.in("aks").apiServerAccessProfile = { enablePrivateCluster: true };
                },
            },
        ],
        violating: [
            {
                title: "0.0.0.0/0 authorized",
                mutate: (s) => {
                    s.in("aks").apiServerAccessProfile.authorizedIPRanges.push("0.0.0.0/0");
                },
            },
            {
                title: "public without ranges",
                mutate: (s) => {
                    s.in("aks").apiServerAccessProfile = { enablePrivateCluster: false };
                },
            },
        ],
    },
    "aks-network-cni-policy": {
        compliant: golden,
        violating: [
            {
                title: "kubenet",
                mutate: (s) => {
                    s.in("aks").networkProfile.networkPlugin = "kubenet";
                    delete s.in("aks").networkProfile.networkPluginMode;
                },
            },
            {
                title: "no network policy",
                mutate: (s) => {
                    delete s.in("aks").networkProfile.networkPolicy;
                },
            },
            {
                title: "basic load balancer",
                mutate: (s) => {
                    s.in("aks").networkProfile.loadBalancerSku = "basic";
                },
            },
        ],
    },
    "aks-sku-tier": {
        compliant: goldenProd,
        violating: [
            {
                title: "Free tier in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("aks").sku.tier = "Free";
                },
            },
        ],
    },
    "aks-node-pools-zonal": {
        compliant: goldenProd,
        violating: [
            {
                title: "system pool in one zone",
                env: "prod",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].availabilityZones = ["1"];
                },
            },
            {
                title: "user pool is an availability set",
                env: "prod",
                mutate: (s) => {
                    s.in("pool-pachyderm").type = "AvailabilitySet";
                },
            },
        ],
    },
    "aks-node-pool-sizing": {
        compliant: goldenProd,
        violating: [
            {
                title: "system pool of 2",
                env: "prod",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].count = 2;
                },
            },
            {
                title: "system pool untainted",
                env: "prod",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].nodeTaints = [];
                },
            },
            {
                title: "user pool min 1",
                env: "prod",
                mutate: (s) => {
                    s.in("pool-pachyderm").minCount = 1;
                },
            },
        ],
    },
    "aks-spot-workers-only": {
        compliant: [...golden, { title: "Spot worker pool from 0 next to an untainted system pool", env: "dev", mutate: spotProfile }],
        violating: [
            {
                title: "Spot pool evicted to deallocated",
                env: "dev",
                mutate: (s) => {
                    spotProfile(s);
                    s.in("pool-pachyderm").scaleSetEvictionPolicy = "Deallocate";
                },
            },
            {
                title: "Spot pool with a price cap",
                env: "dev",
                mutate: (s) => {
                    spotProfile(s);
                    s.in("pool-pachyderm").spotMaxPrice = 0.05;
                },
            },
            {
                title: "Spot pool and only CriticalAddonsOnly regular pools",
                env: "dev",
                mutate: (s) => {
                    spotProfile(s);
                    s.in("aks").agentPoolProfiles[0].nodeTaints = ["CriticalAddonsOnly=true:NoSchedule"];
                },
            },
            {
                title: "pachd tolerates Spot",
                mutate: (s) => {
                    s.pod("pachd").tolerations = [{ key: SPOT_KEY, operator: "Equal", value: "spot", effect: "NoSchedule" }];
                },
            },
            {
                title: "etcd tolerates every taint",
                mutate: (s) => {
                    s.pod("etcd").tolerations = [{ operator: "Exists" }];
                },
            },
            {
                title: "pachd selects Spot nodes",
                mutate: (s) => {
                    s.pod("pachd").nodeSelector = { [SPOT_KEY]: "spot" };
                },
            },
            {
                title: "etcd requires Spot nodes by affinity",
                mutate: (s) => {
                    s.pod("etcd").affinity = {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [{ matchExpressions: [{ key: SPOT_KEY, operator: "In", values: ["spot"] }] }],
                            },
                        },
                    };
                },
            },
        ],
    },
    "aks-addons-monitoring": {
        compliant: [
            ...golden,
            {
                title: "managed Prometheus instead of Container Insights",
                mutate: (s) => {
                    delete s.in("aks").addonProfiles.omsagent;
                    s.in("aks").azureMonitorProfile = { metrics: { enabled: true } };
                },
            },
        ],
        violating: [
            {
                title: "no Azure Policy add-on",
                mutate: (s) => {
                    delete s.in("aks").addonProfiles.azurepolicy;
                },
            },
            {
                title: "no monitoring",
                mutate: (s) => {
                    s.in("aks").addonProfiles.omsagent.enabled = false;
                },
            },
            {
                title: "HTTP application routing",
                mutate: (s) => {
                    s.in("aks").addonProfiles.httpApplicationRouting = { enabled: true };
                },
            },
        ],
    },
    "aks-workload-identity": {
        compliant: golden,
        violating: [
            {
                title: "no OIDC issuer",
                mutate: (s) => {
                    s.in("aks").oidcIssuerProfile.enabled = false;
                },
            },
            {
                title: "no workload identity",
                mutate: (s) => {
                    delete s.in("aks").securityProfile;
                },
            },
        ],
    },
    "aks-upgrade-and-node-hardening": {
        compliant: golden,
        violating: [
            {
                title: "no maintenance window",
                mutate: (s) => {
                    s.remove("maintenance");
                },
            },
            {
                title: "managed OS disk, maxPods 20",
                mutate: (s) => {
                    s.in("pool-pachyderm").osDiskType = "Managed";
                    s.in("pool-pachyderm").maxPods = 20;
                },
            },
        ],
    },
    // ---------------------------------------------------------------- network
    "nsg-no-admin-ports-from-internet": {
        compliant: golden,
        violating: [
            {
                title: "SSH from Internet",
                mutate: (s) => {
                    const r = s.in("nsg-ingress").securityRules[1];
                    delete r.sourceAddressPrefixes;
                    r.sourceAddressPrefix = "Internet";
                },
            },
            {
                title: "range covering 3389 from *",
                mutate: (s) => {
                    s.in("nsg-aks").securityRules.push({
                        name: "wide",
                        priority: 200,
                        direction: "Inbound",
                        access: "Allow",
                        protocol: "*",
                        sourceAddressPrefix: "*",
                        sourcePortRange: "*",
                        destinationAddressPrefix: "*",
                        destinationPortRange: "3000-4000",
                    });
                },
            },
            {
                title: "standalone SecurityRule 22 from 0.0.0.0/0",
                mutate: (s) => {
                    s.add(
                        res("azure-native:network:SecurityRule", "ssh-open", {
                            resourceGroupName: "rg-pachlab-test",
                            networkSecurityGroupName: "nsg-pachlab-test-ingress",
                            priority: 300,
                            direction: "Inbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefix: "0.0.0.0/0",
                            sourcePortRange: "*",
                            destinationAddressPrefix: "*",
                            destinationPortRanges: ["22", "443"],
                        }),
                    );
                },
            },
        ],
    },
    "subnet-has-nsg": {
        compliant: golden,
        violating: [
            {
                title: "private-endpoint subnet without NSG",
                mutate: (s) => {
                    delete s.in("snet-pep").networkSecurityGroup;
                },
            },
        ],
    },
    "vm-linux-ssh-key-only": {
        compliant: golden,
        violating: [
            {
                title: "password authentication",
                mutate: (s) => {
                    s.in("vm-ingress").osProfile.linuxConfiguration.disablePasswordAuthentication = false;
                    s.in("vm-ingress").osProfile.adminPassword = "[secret]";
                },
            },
            {
                title: "no SSH key",
                mutate: (s) => {
                    s.in("vm-ingress").osProfile.linuxConfiguration.ssh.publicKeys = [];
                },
            },
            {
                title: "unmanaged OS disk",
                mutate: (s) => {
                    const d = s.in("vm-ingress").storageProfile.osDisk;
                    delete d.managedDisk;
                    d.vhd = { uri: "https://st.blob.core.windows.net/vhds/os.vhd" };
                },
            },
        ],
    },
    "vm-encryption-at-host": {
        compliant: golden,
        violating: [
            {
                title: "no encryption at host",
                mutate: (s) => {
                    delete s.in("vm-ingress").securityProfile;
                },
            },
        ],
    },
    "no-public-ip-except-lb": {
        compliant: golden,
        violating: [
            {
                title: "NIC with a public IP",
                mutate: (s) => {
                    s.in("nic-ingress").ipConfigurations[0].publicIPAddress = { id: ids.pip };
                },
            },
            {
                title: "stray public IP",
                mutate: (s) => {
                    s.add(
                        res("azure-native:network:PublicIPAddress", "pip-stray", {
                            resourceGroupName: "rg-pachlab-test",
                            publicIpAddressName: "pip-stray",
                            sku: { name: "Standard" },
                            publicIPAllocationMethod: "Static",
                            tags: s.in("vnet").tags,
                        }),
                    );
                },
            },
        ],
    },
    "public-lb-standard-zonal": {
        compliant: [
            ...golden,
            {
                title: "extra port allowed by config",
                env: "prod",
                config: { "public-lb-standard-zonal": { allowedPublicPorts: [443, 8443] } },
                mutate: (s) => {
                    s.in("lbe").loadBalancingRules.push({ ...s.in("lbe").loadBalancingRules[0], name: "alt", frontendPort: 8443 });
                },
            },
        ],
        violating: [
            {
                title: "basic LB",
                mutate: (s) => {
                    s.in("lbe").sku.name = "Basic";
                },
            },
            {
                title: "rule without probe",
                mutate: (s) => {
                    delete s.in("lbe").loadBalancingRules[0].probe;
                },
            },
            {
                title: "port 80 not allowlisted",
                mutate: (s) => {
                    s.in("lbe").loadBalancingRules.push({ ...s.in("lbe").loadBalancingRules[0], name: "http", frontendPort: 80 });
                },
            },
            {
                title: "dynamic public IP",
                mutate: (s) => {
                    s.in("pip-ingress").publicIPAllocationMethod = "Dynamic";
                },
            },
            {
                title: "zonal-less public IP in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("pip-ingress").zones = [];
                },
            },
            {
                title: "NAT rule on 2222",
                mutate: (s) => {
                    s.in("lbe-ssh").frontendPort = 2222;
                },
            },
        ],
    },
    "k8s-lb-service-internal": {
        compliant: golden,
        violating: [
            {
                title: "public pachd LB",
                mutate: (s) => {
                    delete s.in("pachd-lb").metadata.annotations;
                },
            },
            {
                title: "NodePort service",
                mutate: (s) => {
                    s.in("etcd-headless").spec = { type: "NodePort", selector: { app: "etcd" }, ports: [{ port: 2379 }] };
                },
            },
            {
                title: "second (internal) LoadBalancer",
                mutate: (s) => {
                    s.add(
                        res("kubernetes:core/v1:Service", "console-lb", {
                            metadata: {
                                name: "console",
                                namespace: NS,
                                annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
                            },
                            spec: { type: "LoadBalancer", selector: { app: "console" }, ports: [{ port: 80 }] },
                        }),
                    );
                },
            },
        ],
    },
    // ---------------------------------------------------------------- data services
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
    // ---------------------------------------------------------------- Kubernetes workloads
    "k8s-pod-security": {
        compliant: golden,
        violating: [
            {
                title: "root container",
                mutate: (s) => {
                    const c = s.pod("pachd").containers[0];
                    c.securityContext.runAsNonRoot = false;
                    c.securityContext.runAsUser = 0;
                },
            },
            {
                title: "privilege escalation",
                mutate: (s) => {
                    s.pod("etcd").containers[0].securityContext.allowPrivilegeEscalation = true;
                },
            },
            {
                title: "writable root fs",
                mutate: (s) => {
                    s.pod("etcd-backup").containers[0].securityContext.readOnlyRootFilesystem = false;
                },
            },
            {
                title: "a non-zero runAsUser without runAsNonRoot",
                mutate: (s) => {
                    delete s.pod("pachd").securityContext.runAsNonRoot;
                    delete s.pod("pachd").containers[0].securityContext.runAsNonRoot;
                },
            },
            {
                title: "capabilities not dropped",
                mutate: (s) => {
                    s.pod("pachd").containers[0].securityContext.capabilities = { add: ["NET_ADMIN"] };
                },
            },
            {
                title: "ALL dropped but a capability added back",
                mutate: (s) => {
                    s.pod("etcd").containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"];
                },
            },
            {
                title: "no seccomp",
                mutate: (s) => {
                    delete s.pod("pachd").securityContext.seccompProfile;
                },
            },
            {
                title: "hostNetwork",
                mutate: (s) => {
                    s.pod("etcd").hostNetwork = true;
                },
            },
            {
                title: "hostPath volume",
                mutate: (s) => {
                    s.pod("etcd").volumes = [{ name: "host", hostPath: { path: "/var/lib/etcd" } }];
                },
            },
        ],
    },
    "k8s-resources-probes-pinned-images": {
        compliant: golden,
        violating: [
            {
                title: "no CPU request",
                mutate: (s) => {
                    delete s.pod("pachd").containers[0].resources.requests.cpu;
                },
            },
            {
                title: "no memory limit",
                mutate: (s) => {
                    delete s.pod("etcd").containers[0].resources.limits;
                },
            },
            {
                title: "no readiness probe",
                mutate: (s) => {
                    delete s.pod("pachd").containers[0].readinessProbe;
                },
            },
            {
                title: "latest image",
                mutate: (s) => {
                    s.pod("etcd-backup").containers[0].image = "pachyderm/etcd:latest";
                },
            },
            {
                title: "untagged image",
                mutate: (s) => {
                    s.pod("pachd").containers[0].image = "pachyderm/pachd";
                },
            },
        ],
    },
    "k8s-service-accounts-namespaces": {
        compliant: golden,
        violating: [
            {
                title: "default service account",
                mutate: (s) => {
                    delete s.pod("etcd").serviceAccountName;
                },
            },
            {
                title: "token automounted without API access",
                mutate: (s) => {
                    s.pod("etcd").automountServiceAccountToken = true;
                },
            },
            {
                title: "pod leaves token automount to its ServiceAccount",
                mutate: (s) => {
                    delete s.pod("etcd").automountServiceAccountToken;
                },
            },
            {
                title: "ServiceAccount mounts its token by default",
                mutate: (s) => {
                    s.in("pachd-sa").automountServiceAccountToken = true;
                },
            },
            {
                title: "object in the default namespace",
                mutate: (s) => {
                    s.in("etcd-headless").metadata.namespace = "default";
                },
            },
        ],
    },
    "k8s-availability-pdb-backup": {
        compliant: [
            ...golden,
            {
                title: "single etcd and pachd in dev",
                env: "dev",
                mutate: (s) => {
                    s.in("etcd").spec.replicas = 1;
                    s.in("pachd").spec.replicas = 1;
                },
            },
        ],
        violating: [
            {
                title: "no PDB for pachd",
                mutate: (s) => {
                    s.remove("pachd-pdb");
                },
            },
            {
                title: "PDB allows no eviction",
                mutate: (s) => {
                    s.in("etcd-pdb").spec.minAvailable = 3;
                },
            },
            {
                title: "single etcd in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("etcd").spec.replicas = 1;
                    s.remove("etcd-pdb");
                },
            },
            {
                title: "pachd not zone-spread in prod",
                env: "prod",
                mutate: (s) => {
                    delete s.pod("pachd").topologySpreadConstraints;
                },
            },
            {
                title: "StorageClass Delete",
                mutate: (s) => {
                    s.in("metadata-sc").reclaimPolicy = "Delete";
                },
            },
            {
                title: "no etcd backup job",
                mutate: (s) => {
                    s.remove("etcd-backup");
                    s.remove("backup-sa");
                },
            },
            {
                title: "the etcd backup CronJob does not run etcdctl snapshot save",
                mutate: (s) => {
                    s.pod("etcd-backup").containers[0].command = ["etcdctl", "endpoint", "health"];
                },
            },
        ],
    },
    "k8s-network-policies": {
        compliant: [
            ...golden,
            {
                title: "etcd peers as a matchExpressions selector (pachd, etcd-backup)",
                mutate: (s) => {
                    s.add(consoleDeployment());
                    s.in("etcd-allow").spec.ingress[0].from = [
                        { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["pachd", "etcd-backup"] }] } },
                    ];
                },
            },
        ],
        violating: [
            {
                title: "no default deny",
                mutate: (s) => {
                    s.remove("default-deny");
                },
            },
            {
                title: "default deny of ingress only",
                mutate: (s) => {
                    s.in("default-deny").spec.policyTypes = ["Ingress"];
                },
            },
            {
                title: "pachd open to every source (an ingress rule without from)",
                mutate: (s) => {
                    s.in("pachd-allow").spec.ingress.push({ ports: [{ port: 1650 }] });
                },
            },
            {
                title: "pachd open to the internet (ipBlock 0.0.0.0/0)",
                mutate: (s) => {
                    s.in("pachd-allow").spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } });
                },
            },
            {
                title: "pachd not reachable from the ingress subnet",
                mutate: (s) => {
                    s.in("pachd-allow").spec.ingress[0].from = [{ podSelector: {} }];
                },
            },
            {
                title: "etcd open to the namespace",
                mutate: (s) => {
                    s.in("etcd-allow").spec.ingress[0].from.push({ podSelector: {} });
                },
            },
            {
                title: "etcd admits another workload",
                mutate: (s) => {
                    s.add(consoleDeployment());
                    s.in("etcd-allow").spec.ingress[0].from = [
                        { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["pachd", "console"] }] } },
                    ];
                },
            },
        ],
    },
    // ---------------------------------------------------------------- ARM acceptance
    "arm-nsg-security-rules": {
        compliant: [
            ...golden,
            {
                title: "several CIDRs in the plural field, a tag alone in the singular one",
                mutate: (s) => {
                    s.in("nsg-aks").securityRules.push(
                        {
                            name: "allow-two-subnets",
                            priority: 120,
                            direction: "Inbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefixes: ["10.40.16.0/26", "10.40.16.64/26"],
                            sourcePortRange: "*",
                            destinationAddressPrefix: "*",
                            destinationPortRanges: ["2049", "24007-24008"],
                        },
                        {
                            name: "allow-lb-probe",
                            priority: 130,
                            direction: "Inbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefix: "AzureLoadBalancer",
                            sourcePortRange: "*",
                            destinationAddressPrefix: "*",
                            destinationPortRange: "2049",
                        },
                    );
                },
            },
        ],
        violating: [
            {
                title: "service tag in sourceAddressPrefixes (SecurityRuleParameterContainsUnsupportedValue)",
                mutate: (s) => {
                    const r = s.in("nsg-ingress").securityRules[0];
                    delete r.sourceAddressPrefix;
                    r.sourceAddressPrefixes = ["Internet"];
                },
            },
            {
                title: "AzureLoadBalancer among CIDRs in sourceAddressPrefixes",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[1].sourceAddressPrefixes.push("AzureLoadBalancer");
                },
            },
            {
                title: "singular and plural source together",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[1].sourceAddressPrefix = "10.0.0.0/8";
                },
            },
            {
                title: "two inbound rules with priority 100 (SecurityRuleConflict)",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[1].priority = 100;
                },
            },
            {
                title: "priority 50",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[0].priority = 50;
                },
            },
            {
                title: "port 70000",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[0].destinationPortRange = "70000";
                },
            },
            {
                title: "standalone SecurityRule with a tag in destinationAddressPrefixes",
                mutate: (s) => {
                    s.add(
                        res("azure-native:network:SecurityRule", "to-vnet", {
                            resourceGroupName: "rg-pachlab-test",
                            networkSecurityGroupName: "nsg-pachlab-test-aks",
                            priority: 300,
                            direction: "Outbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefix: "*",
                            sourcePortRange: "*",
                            destinationAddressPrefixes: ["VirtualNetwork"],
                            destinationPortRange: "443",
                        }),
                    );
                },
            },
        ],
    },
    "arm-resource-names": {
        compliant: golden,
        violating: [
            {
                title: "storage account name with hyphens",
                mutate: (s) => {
                    s.in("data").accountName = "st-pachlab-test";
                },
            },
            {
                title: "storage account name of 25 characters",
                mutate: (s) => {
                    s.in("data").accountName = "stpachlabtest1a2b3c4d5e6f";
                },
            },
            {
                title: "Cosmos DB account name in upper case",
                mutate: (s) => {
                    s.in("cosmos").accountName = "Cosmos-PachLab";
                    s.in("pep-cosmos").privateLinkServiceConnections[0].privateLinkServiceId = ids.cosmos.replace(
                        "cosmos-pachlab-test-1a2b3c",
                        "Cosmos-PachLab",
                    );
                },
            },
            {
                title: "node pool name of 13 characters",
                mutate: (s) => {
                    s.in("pool-pachyderm").agentPoolName = "pachydermpool";
                },
            },
            {
                title: "node pool name with a hyphen",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].name = "sys-pool";
                },
            },
            {
                title: "public IP DNS label starting with a digit",
                mutate: (s) => {
                    s.in("pip-ingress").dnsSettings = { domainNameLabel: "1pachlab" };
                },
            },
            {
                title: "AKS cluster name ending with a hyphen",
                mutate: (s) => {
                    s.in("aks").resourceName = "aks-pachlab-";
                },
            },
            {
                title: "role assignment name not a GUID",
                mutate: (s) => {
                    s.add(
                        res("azure-native:authorization:RoleAssignment", "ra", {
                            roleAssignmentName: "deployer-admin",
                            scope: ids.account,
                            roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/x",
                            principalId: "p",
                        }),
                    );
                },
            },
        ],
    },
    "arm-aks-node-pools": {
        compliant: [
            ...golden,
            {
                title: "user pool scaled to zero",
                mutate: (s) => {
                    s.in("pool-pachyderm").count = 0;
                    s.in("pool-pachyderm").minCount = 0;
                    s.in("pool-pachyderm").enableAutoScaling = false;
                },
            },
        ],
        violating: [
            {
                title: "maxPods 300",
                mutate: (s) => {
                    s.in("pool-pachyderm").maxPods = 300;
                },
            },
            // maxPods under 30 is also rule 22's advisory: that one is switched off here.
            {
                title: "system pool maxPods 20",
                config: { "aks-upgrade-and-node-hardening": "disabled" },
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].maxPods = 20;
                },
            },
            {
                title: "system pool of 0 nodes",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].count = 0;
                },
            },
            {
                title: "minCount above maxCount",
                mutate: (s) => {
                    s.in("pool-pachyderm").minCount = 20;
                },
            },
        ],
    },
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
                            (vm.inputs.osProfile as any).customData = "I2Nsb3VkLWNvbmZpZw==";
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
