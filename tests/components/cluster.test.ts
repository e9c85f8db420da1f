import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { Captured, captureResources, dependsOn, one, settle, valueOf, TYPE } from "../helpers/mockHarness";
import { must } from "../helpers/must";

const captured = captureResources();
const { Cluster, deployerPrincipalType, withKubeloginMode, AKS_AAD_SERVER_ID, SPOT_TAINT } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/cluster") as typeof import("../../components/cluster");
type Args = import("../../components/cluster").ClusterArgs;
type ClusterT = InstanceType<typeof Cluster>;

/** Types outside the registry (no Azure resource). */
const T = {
    provider: "pulumi:providers:kubernetes",
};
const SUBNET_ID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-aks";
const DEPLOYER = "0f0f0f0f-1111-4222-8333-444444444444";

function args(env: "dev" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    const pool = { vmSize: "Standard_D4ds_v5", osDiskType: "Ephemeral" as const, encryptionAtHost: true, maxPods: 110 };
    return {
        names: { prefix: "pachlab", stack: env, location: "westeurope" },
        resourceGroupName: `rg-pachlab-${env}`,
        location: "westeurope",
        tags: { environment: env, project: "pachlab", owner: "lab", "cost-center": "cc1" },
        kubernetesVersion: "1.36",
        tier: prod ? "Standard" : "Free",
        supportPlan: "KubernetesOfficial",
        zones: prod ? ["1", "2", "3"] : [],
        resourceGroupId: `/subscriptions/x/resourceGroups/rg-pachlab-${env}`,
        nodeSubnetId: SUBNET_ID,
        deployerObjectId: DEPLOYER,
        deployerPrincipalType: "User",
        network: { serviceCidr: "172.16.0.0/16", dnsServiceIp: "172.16.0.10", podCidr: "192.168.0.0/16" },
        systemPool: { ...pool, count: prod ? 3 : 1, criticalAddonsOnly: true },
        userPool: { ...pool, minCount: prod ? 3 : 1, maxCount: prod ? 12 : 3, spot: false },
        apiServer: { privateCluster: false, authorizedIpRanges: ["203.0.113.0/24"] },
        adminGroupObjectIds: [],
        disableLocalAccounts: true,
        upgradeChannel: "patch",
        maintenance: { dayOfWeek: "Sunday", startHour: 2, durationHours: 4 },
        logRetentionDays: 30,
        monitoring: { dailyCapGb: 0, containerInsights: "full" },
        ...over,
    };
}

const built: Record<string, ClusterT> = {};
beforeAll(async () => {
    built.dev = new Cluster("dev", args("dev"));
    built.prod = new Cluster("prod", args("prod"));
    built.private = new Cluster("private", args("dev", { apiServer: { privateCluster: true, authorizedIpRanges: [] } }));
    const dev = args("dev");
    built.cheap = new Cluster(
        "cheap",
        args("dev", {
            systemPool: { ...dev.systemPool, criticalAddonsOnly: false },
            userPool: { ...dev.userPool, minCount: 0, spot: true },
            monitoring: { dailyCapGb: 0.5, containerInsights: "operator" },
        }),
    );
    await settle(...Object.values(built).flatMap((c) => [c.kubeconfig, c.clusterId, c.oidcIssuerUrl]));
});

describe.each(["dev", "prod"] as const)("Cluster (%s)", (env) => {
    const prod = env === "prod";
    const aks = (): Captured => one(captured, TYPE.ManagedCluster, `${env}-aks`);

    it("uses managed Entra ID with Azure RBAC, Kubernetes RBAC and no local accounts (rule 14)", () => {
        const i = aks().inputs;
        expect(i.enableRBAC).toBe(true);
        expect(i.aadProfile).toMatchObject({ managed: true, enableAzureRBAC: true });
        expect(i.disableLocalAccounts).toBe(true);
        expect(i.resourceName).toBe(`aks-pachlab-${env}`);
    });

    it("runs the control plane as a user-assigned identity that has Network Contributor on the node subnet before the cluster exists", async () => {
        const identity = one(captured, TYPE.UserAssignedIdentity, `${env}-identity`);
        expect(identity.inputs.resourceName).toBe(`id-pachlab-${env}-aks`);
        expect(aks().inputs.identity).toEqual({
            type: "UserAssigned",
            userAssignedIdentities: [expect.stringMatching(/\/userAssignedIdentities\/id-pachlab-\w+-aks$/)],
        });
        const grant = one(captured, TYPE.RoleAssignment, `${env}-subnet-network-contributor`);
        expect(grant.inputs).toMatchObject({ scope: SUBNET_ID, principalType: "ServicePrincipal" });
        // Network Contributor (built-in-roles).
        expect(grant.inputs.roleDefinitionId).toMatch(/\/roleDefinitions\/4d97b98b-1d4f-4787-a291-c67834d212e7$/);
        expect(grant.inputs.principalId).toBe(await valueOf(must(built[env], env).identity.principalId));
        expect(dependsOn(aks(), grant)).toBe(true);
        // Disk and load balancer grants go to the control-plane identity (managed-identity-overview).
        expect(await valueOf(must(built[env], env).principalId)).toBe(grant.inputs.principalId);
    });

    it("makes the deployer AKS RBAC Cluster Admin before the cluster and before any Kubernetes object", () => {
        const grant = one(captured, TYPE.RoleAssignment, `${env}-deployer-cluster-admin`);
        expect(grant.inputs).toMatchObject({ scope: `/subscriptions/x/resourceGroups/rg-pachlab-${env}`, principalId: DEPLOYER });
        // Azure Kubernetes Service RBAC Cluster Admin (built-in-roles).
        expect(grant.inputs.roleDefinitionId).toMatch(/\/roleDefinitions\/b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b$/);
        // The deployer's real type (a wrong one is UnmatchedPrincipalType).
        expect(grant.inputs.principalType).toBe("User");
        expect(dependsOn(aks(), grant)).toBe(true);
        expect(dependsOn(one(captured, T.provider, `${env}-k8s`), grant)).toBe(true);
    });

    it("limits the API server to authorized ranges (rule 15)", () => {
        expect(aks().inputs.apiServerAccessProfile).toEqual({ enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] });
    });

    it("runs Azure CNI overlay with Cilium network policy and a standard load balancer (rule 16)", () => {
        expect(aks().inputs.networkProfile).toMatchObject({
            networkPlugin: "azure",
            networkPluginMode: "overlay",
            networkPolicy: "cilium",
            networkDataplane: "cilium",
            loadBalancerSku: "standard",
            podCidr: "192.168.0.0/16",
            serviceCidr: "172.16.0.0/16",
            dnsServiceIP: "172.16.0.10",
        });
    });

    it("uses the configured control-plane tier (rule 17)", () => {
        expect(aks().inputs.sku).toEqual({ name: "Base", tier: prod ? "Standard" : "Free" });
        expect(aks().inputs.supportPlan).toBe("KubernetesOfficial");
    });
});

describe.each(["dev", "prod"] as const)("Cluster (%s): pools, add-ons and upgrades", (env) => {
    const prod = env === "prod";
    const aks = (): Captured => one(captured, TYPE.ManagedCluster, `${env}-aks`);
    const pool = (): Captured => one(captured, TYPE.AgentPool, `${env}-pool-pachyderm`);

    it("spreads scale-set pools over zones in prod, without node public IPs (rules 18, 19)", () => {
        const system = aks().inputs.agentPoolProfiles[0];
        for (const p of [system, pool().inputs]) {
            expect(p.type).toBe("VirtualMachineScaleSets");
            expect(p.enableNodePublicIP).toBe(false);
            expect(p.availabilityZones).toEqual(prod ? ["1", "2", "3"] : undefined);
            expect(p.enableEncryptionAtHost).toBe(true);
            expect(p.maxPods).toBeGreaterThanOrEqual(30);
        }
        expect(system).toMatchObject({ mode: "System", nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"], count: prod ? 3 : 1 });
        expect(pool().inputs).toMatchObject({ mode: "User", enableAutoScaling: true, minCount: prod ? 3 : 1, maxCount: prod ? 12 : 3 });
    });

    it("never reports the autoscaler's node count as drift", () => {
        expect(pool().ignoreChanges).toEqual(["count"]);
    });

    it("turns on monitoring and Azure Policy, not HTTP application routing (rule 20)", () => {
        const addons = aks().inputs.addonProfiles;
        expect(addons.omsagent.enabled).toBe(true);
        expect(addons.omsagent.config.logAnalyticsWorkspaceResourceID).toMatch(/\/workspaces\/log-pachlab-/);
        expect(addons.azurepolicy.enabled).toBe(true);
        expect(addons.httpApplicationRouting).toBeUndefined();
        // Managed-identity Container Insights needs its data collection rule associated with the cluster.
        const rule = one(captured, "azure-native:monitor:DataCollectionRule", `${env}-dcr`);
        expect(rule.inputs.dataFlows).toEqual([{ streams: ["Microsoft-ContainerInsights-Group-Default"], destinations: ["ciworkspace"] }]);
        expect(rule.inputs.destinations.logAnalytics[0].workspaceResourceId).toMatch(/\/workspaces\/log-pachlab-/);
        const association = one(captured, "azure-native:monitor:DataCollectionRuleAssociation", `${env}-dcr-association`);
        expect(association.inputs.resourceUri).toMatch(new RegExp(`/managedClusters/aks-pachlab-${env}$`));
        expect(association.inputs.dataCollectionRuleId).toMatch(/dataCollectionRules\/dcr-pachlab-/);
    });

    it("enables the OIDC issuer and workload identity (rule 21)", () => {
        expect(aks().inputs.oidcIssuerProfile).toEqual({ enabled: true });
        expect(aks().inputs.securityProfile.workloadIdentity).toEqual({ enabled: true });
    });

    it("auto-upgrades inside a weekly maintenance window (rule 22)", () => {
        expect(aks().inputs.autoUpgradeProfile).toEqual({ upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
        const windows = captured.filter((c) => c.type === TYPE.MaintenanceConfiguration && c.name.startsWith(`${env}-`));
        expect(windows.map((w) => w.inputs.configName).sort()).toEqual([
            "aksManagedAutoUpgradeSchedule",
            "aksManagedNodeOSUpgradeSchedule",
        ]);
        for (const w of windows)
            expect(w.inputs.maintenanceWindow).toMatchObject({
                durationHours: 4,
                startTime: "02:00",
                schedule: { weekly: { dayOfWeek: "Sunday" } },
            });
    });
});

describe.each(["dev", "prod"] as const)("Cluster (%s): credentials", (env) => {
    it("keeps the kubeconfig a secret, as an output and as the provider's input", async () => {
        expect(await pulumi.isSecret(must(built[env], env).kubeconfig)).toBe(true);
        const provider = one(captured, T.provider, `${env}-k8s`);
        expect(provider.secretPaths).toContain("kubeconfig");
        expect(provider.inputs.clusterIdentifier).toMatch(new RegExp(`/managedClusters/aks-pachlab-${env}$`));
    });

    it("hands out a kubeconfig that logs in non-interactively through kubelogin", async () => {
        const kubeconfig = await new Promise<string>((resolve) =>
            must(built[env], env).kubeconfig.apply((k) => {
                resolve(k);
                return k;
            }),
        );
        const exec = YAML.parse(kubeconfig).users[0].user.exec;
        expect(exec.command).toBe("kubelogin");
        expect(exec.args).toEqual(["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_ID]);
    });
});

describe("Cluster (the cheap dev profile)", () => {
    it("leaves the system pool untainted, so that Pachyderm's control plane can run there", () => {
        const system = one(captured, TYPE.ManagedCluster, "cheap-aks").inputs.agentPoolProfiles[0];
        expect(system.mode).toBe("System");
        expect(system.nodeTaints).toBeUndefined();
    });

    it("runs the worker pool on Spot from 0 nodes: eviction deletes, max price = pay-as-you-go (AKS spot docs)", () => {
        const pool = one(captured, TYPE.AgentPool, "cheap-pool-pachyderm").inputs;
        expect(pool).toMatchObject({ mode: "User", enableAutoScaling: true, minCount: 0, count: 0, maxCount: 3 });
        expect(pool).toMatchObject({ scaleSetPriority: "Spot", scaleSetEvictionPolicy: "Delete", spotMaxPrice: -1 });
        // AKS adds the taint itself; declaring it would be a perpetual diff.
        expect(pool.nodeTaints).toBeUndefined();
        expect(SPOT_TAINT).toEqual({ key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" });
    });

    it("regular pools never name a Spot priority", () => {
        for (const env of ["dev", "prod"]) {
            const pool = one(captured, TYPE.AgentPool, `${env}-pool-pachyderm`).inputs;
            expect(pool.scaleSetPriority).toBeUndefined();
            expect(pool.spotMaxPrice).toBeUndefined();
        }
    });

    it("caps Log Analytics ingestion per day and collects only what an operator reads", () => {
        expect(one(captured, "azure-native:operationalinsights:Workspace", "cheap-log").inputs.workspaceCapping).toEqual({
            dailyQuotaGb: 0.5,
        });
        expect(one(captured, "azure-native:operationalinsights:Workspace", "dev-log").inputs.workspaceCapping).toBeUndefined();
        const rule = one(captured, "azure-native:monitor:DataCollectionRule", "cheap-dcr").inputs;
        const streams = ["Microsoft-KubePodInventory", "Microsoft-KubeNodeInventory", "Microsoft-KubeEvents", "Microsoft-Perf"];
        expect(rule.dataFlows).toEqual([{ streams, destinations: ["ciworkspace"] }]);
        expect(rule.dataSources.extensions[0].streams).toEqual(streams);
        expect(streams.some((s) => /ContainerLog/.test(s))).toBe(false);
        expect(rule.dataSources.extensions[0].extensionSettings.dataCollectionSettings).toEqual({
            interval: "5m",
            namespaceFilteringMode: "Exclude",
            namespaces: ["kube-system"],
            enableContainerLogV2: true,
        });
    });
});

describe("Cluster (private API server)", () => {
    it("asks for a private cluster and no authorized ranges", () => {
        expect(one(captured, TYPE.ManagedCluster, "private-aks").inputs.apiServerAccessProfile).toEqual({ enablePrivateCluster: true });
    });
});

describe("deployerPrincipalType", () => {
    it("is a service principal when azure-native signs in with a client id, a managed identity or OIDC, else a person (Azure CLI)", () => {
        expect(deployerPrincipalType({})).toBe("User");
        expect(deployerPrincipalType({ clientId: "", useMsi: "false", useOidc: "false" })).toBe("User");
        expect(deployerPrincipalType({ clientId: "1b2c3d4e-0000-4000-8000-000000000000" })).toBe("ServicePrincipal");
        expect(deployerPrincipalType({ useMsi: "true" })).toBe("ServicePrincipal");
        expect(deployerPrincipalType({ useOidc: "TRUE" })).toBe("ServicePrincipal");
    });
});

describe("withKubeloginMode", () => {
    it("rewrites every exec user and leaves the rest alone", () => {
        const input = YAML.stringify({
            apiVersion: "v1",
            clusters: [{ name: "c", cluster: { server: "https://x" } }],
            users: [
                {
                    name: "u",
                    user: {
                        exec: { command: "kubelogin", args: ["get-token", "--login", "devicecode"], env: [{ name: "A", value: "b" }] },
                    },
                },
            ],
        });
        const out = YAML.parse(withKubeloginMode(input, "workloadidentity"));
        expect(out.clusters).toEqual([{ name: "c", cluster: { server: "https://x" } }]);
        expect(out.users[0].user.exec.args).toEqual(["get-token", "--login", "workloadidentity", "--server-id", AKS_AAD_SERVER_ID]);
        expect(out.users[0].user.exec.env).toBeNull();
    });
});
