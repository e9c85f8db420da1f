import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { PlacementArgs, resourceName } from "../lib/naming";
import { NODE_POOL_MAX_SURGE } from "../lib/nodePools";
import { builtInRoleId, roleAssignment } from "./azure/roles";
import { ClusterMonitoringArgs, containerInsights, logAnalyticsWorkspace } from "./clusterMonitoring";

/**
 * Built-in role "Network Contributor" (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 * AKS's cluster (control-plane) identity needs `Microsoft.Network/virtualNetworks/subnets/join/action` and
 * `.../subnets/read` on a bring-your-own subnet to place nodes and internal load balancers in it
 * (https://learn.microsoft.com/azure/aks/aks-service-permissions, "AKS cluster identity permissions";
 * https://learn.microsoft.com/azure/aks/internal-lb: with an existing subnet the cluster identity needs
 * permission to manage network resources, Network Contributor). `az aks create` assigns it with the caller's rights;
 * an ARM/Pulumi deployment does not (Azure/karpenter-provider-azure#332), so the program does.
 */
export const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
/**
 * Built-in role "Azure Kubernetes Service RBAC Cluster Admin": every Kubernetes object of clusters under
 * the scope, when the cluster uses Azure RBAC for Kubernetes authorization (built-in-roles, manage-azure-rbac).
 */
export const AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

/** Entra ID application of the AKS AAD server, the audience kubelogin asks tokens for. */
export const AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

export interface NodePoolArgs {
    vmSize: string;
    osDiskType: "Ephemeral" | "Managed";
    encryptionAtHost: boolean;
    maxPods: number;
}

export interface ClusterArgs extends PlacementArgs, ClusterMonitoringArgs {
    kubernetesVersion: string;
    tier: "Free" | "Standard" | "Premium";
    /** AKSLongTermSupport needs the Premium tier (https://learn.microsoft.com/azure/aks/long-term-support). */
    supportPlan: "KubernetesOfficial" | "AKSLongTermSupport";
    /** Id of the resource group (the deployer's cluster-admin grant is scoped to it, see Cluster). */
    resourceGroupId: pulumi.Input<string>;
    /** The bring-your-own node subnet: the control-plane identity gets Network Contributor on it. */
    nodeSubnetId: pulumi.Input<string>;
    /**
     * Object id of the principal running `pulumi up` (azure-native `authorization.getClientConfig`): it
     * applies every Kubernetes object of the program, so it gets AKS RBAC Cluster Admin.
     */
    deployerObjectId: pulumi.Input<string>;
    /** Its Entra ID kind (see deployerPrincipalType). */
    deployerPrincipalType: "User" | "ServicePrincipal";
    network: { serviceCidr: string; dnsServiceIp: string; podCidr: string };
    /** `criticalAddonsOnly` false: no taint, Pachyderm's control plane may run on the system nodes. */
    systemPool: NodePoolArgs & { count: number; criticalAddonsOnly: boolean };
    /** `spot`: Spot VMs, which AKS taints so that only pods tolerating it (pipeline workers) land there. */
    userPool: NodePoolArgs & { minCount: number; maxCount: number; spot: boolean };
    apiServer: { privateCluster: boolean; authorizedIpRanges: string[] };
    adminGroupObjectIds: string[];
    disableLocalAccounts: boolean;
    upgradeChannel: "none" | "patch" | "stable" | "rapid" | "node-image";
    maintenance: { dayOfWeek: string; startHour: number; durationHours: number };
}

/**
 * The Entra ID kind of the principal azure-native authenticates as, which a role assignment must name
 * (UnmatchedPrincipalType otherwise). azure-native signs in as a service principal (secret, certificate,
 * OIDC federation or managed identity) when a client id or MSI/OIDC is configured, through the
 * `ARM_CLIENT_ID`, `ARM_USE_MSI`, `ARM_USE_OIDC` variables or the `azure-native:clientId`, `:useMsi`,
 * `:useOidc` settings (https://www.pulumi.com/registry/packages/azure-native/installation-configuration/);
 * otherwise it uses the Azure CLI login, a person. (A service principal logged into the Azure CLI must set
 * ARM_CLIENT_ID: docs/first-deploy.md.)
 */
export function deployerPrincipalType(settings: { clientId?: string; useMsi?: string; useOidc?: string }): "User" | "ServicePrincipal" {
    const on = (v?: string) => v !== undefined && /^(true|1)$/i.test(v.trim());
    return (settings.clientId ?? "").trim() !== "" || on(settings.useMsi) || on(settings.useOidc) ? "ServicePrincipal" : "User";
}

/**
 * AKS taints every Spot node `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` and labels it
 * `kubernetes.azure.com/scalesetpriority: spot` (https://learn.microsoft.com/azure/aks/spot-node-pool#limitations):
 * only pods with this toleration can land there.
 */
export const SPOT_TAINT = { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" } as const;

/** kubelogin's login method for the generated kubeconfig; `AAD_LOGIN_METHOD` overrides it at run time. */
export const DEFAULT_KUBELOGIN_MODE = "azurecli";

/**
 * Rewrites the kubeconfig AKS returns for Entra-enabled clusters so that kubelogin uses a
 * non-interactive login: Azure CLI for people; CI sets `AAD_LOGIN_METHOD=workloadidentity` (GitHub
 * OIDC) or `spn`, which kubelogin reads instead of `--login`.
 */
export function withKubeloginMode(kubeconfigYaml: string, mode = DEFAULT_KUBELOGIN_MODE): string {
    const doc = YAML.parse(kubeconfigYaml);
    for (const user of doc.users ?? []) {
        if (user.user?.exec) {
            user.user.exec.command = "kubelogin";
            user.user.exec.args = ["get-token", "--login", mode, "--server-id", AKS_AAD_SERVER_ID];
            user.user.exec.env = null;
        }
    }
    return YAML.stringify(doc);
}

/** What both node pools share. */
function poolCommon(args: ClusterArgs, p: NodePoolArgs) {
    return {
        vmSize: p.vmSize,
        osType: "Linux",
        osSKU: "AzureLinux",
        osDiskType: p.osDiskType,
        // Ephemeral OS disks live in the VM's cache/temp disk: keep them within the smallest sizes used.
        osDiskSizeGB: p.osDiskType === "Ephemeral" ? 64 : 128,
        enableEncryptionAtHost: p.encryptionAtHost,
        enableNodePublicIP: false,
        maxPods: p.maxPods,
        type: "VirtualMachineScaleSets",
        vnetSubnetID: args.nodeSubnetId,
        availabilityZones: args.zones.length > 0 ? args.zones : undefined,
        orchestratorVersion: args.kubernetesVersion,
        upgradeSettings: { maxSurge: NODE_POOL_MAX_SURGE },
    };
}

/**
 * AKS with a tainted system pool and a separate autoscaled pool for Pachyderm and its workers,
 * Azure CNI overlay with Cilium network policy, managed Entra ID with Azure RBAC, OIDC issuer and
 * workload identity, Container Insights, auto-upgrade in a maintenance window; plus the Kubernetes
 * provider built from the cluster's credentials (kubeconfig kept secret).
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly cluster: containerservice.ManagedCluster;
    public readonly userPool: containerservice.AgentPool;
    public readonly workspace: operationalinsights.Workspace;
    /** The Log Analytics workspace every component sends its diagnostics to. */
    public readonly workspaceId: pulumi.Output<string>;
    /** The user-assigned control-plane identity, created (and granted its rights) before the cluster. */
    public readonly identity: managedidentity.UserAssignedIdentity;
    /** Network Contributor on the node subnet for the control-plane identity. */
    public readonly subnetAccess: pulumi.Resource;
    /** AKS RBAC Cluster Admin for the deployer; the Kubernetes provider waits for it. */
    public readonly deployerAccess: pulumi.Resource;
    public readonly provider: k8s.Provider;
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterId: pulumi.Output<string>;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    /**
     * Principal id of the cluster's control-plane identity, which AKS uses for "ingress load balancers
     * and AKS managed public IPs, Cluster Autoscaler, Azure Disk, File, Blob CSI drivers"
     * (https://learn.microsoft.com/azure/aks/managed-identity-overview): grants for disks go to it.
     */
    public readonly principalId: pulumi.Output<string>;
    public readonly kubeletObjectId: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:cluster:Cluster", name, {}, opts);
        this.workspace = logAnalyticsWorkspace(name, this, args);
        this.workspaceId = this.workspace.id;

        // A user-assigned control-plane identity exists before the cluster, so that its rights on the
        // bring-your-own subnet are in place when AKS first places nodes and the pachd internal load
        // balancer there (with a system-assigned one, the grant could only follow the cluster and the
        // first load balancer would fail with LinkedAuthorizationFailed). AKS docs: "Use a managed identity
        // in AKS", https://learn.microsoft.com/azure/aks/use-managed-identity.
        this.identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                resourceName: resourceName("id", args.names, "aks"),
            },
            { parent: this },
        );
        this.subnetAccess = roleAssignment(`${name}-subnet-network-contributor`, this, {
            scope: args.nodeSubnetId,
            roleDefinitionId: builtInRoleId(NETWORK_CONTRIBUTOR, { parent: this }),
            principalId: this.identity.principalId,
            description: "AKS control plane: nodes, autoscaler and internal load balancers in the node subnet",
        });
        // The deployer applies every Kubernetes object of this program: with Azure RBAC and local
        // accounts off it has no Kubernetes rights of its own, admin group or not (it may not be in it).
        // Scoped to the resource group (this platform's only cluster) so that the grant exists before the
        // cluster: "New role assignments can take up to five minutes to propagate and be updated by the
        // authorization server" (https://learn.microsoft.com/azure/aks/manage-azure-rbac), and creating
        // the cluster takes longer than that.
        this.deployerAccess = roleAssignment(`${name}-deployer-cluster-admin`, this, {
            scope: args.resourceGroupId,
            roleDefinitionId: builtInRoleId(AKS_RBAC_CLUSTER_ADMIN, { parent: this }),
            principalId: args.deployerObjectId,
            principalType: args.deployerPrincipalType,
            description: "The Pulumi deployer applies the platform's Kubernetes objects (Azure RBAC for Kubernetes)",
        });

        this.cluster = this.createManagedCluster(name, args);
        this.userPool = this.createUserPool(name, args);
        containerInsights(name, this, args, this.workspace.id, this.cluster.id);
        this.createMaintenanceWindows(name, args);

        this.clusterName = this.cluster.name;
        this.clusterId = this.cluster.id;
        this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
        this.principalId = this.identity.principalId;
        this.kubeletObjectId = this.cluster.identityProfile.apply((p) => p?.["kubeletidentity"]?.objectId ?? "");
        this.kubeconfig = this.userKubeconfig(args);
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                // A stable identity: rotating credentials updates the provider instead of replacing every object.
                clusterIdentifier: this.cluster.id,
                enableServerSideApply: true,
                deleteUnreachable: false,
            },
            { parent: this, dependsOn: [this.userPool, this.deployerAccess] },
        );

        this.registerOutputs({
            clusterName: this.clusterName,
            clusterId: this.clusterId,
            oidcIssuerUrl: this.oidcIssuerUrl,
            principalId: this.principalId,
            kubeconfig: this.kubeconfig,
        });
    }

    private createManagedCluster(name: string, args: ClusterArgs): containerservice.ManagedCluster {
        return new containerservice.ManagedCluster(
            `${name}-aks`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                resourceName: resourceName("aks", args.names),
                dnsPrefix: resourceName("aks", args.names),
                kubernetesVersion: args.kubernetesVersion,
                sku: { name: "Base", tier: args.tier },
                supportPlan: args.supportPlan,
                identity: { type: "UserAssigned", userAssignedIdentities: [this.identity.id] },
                enableRBAC: true,
                disableLocalAccounts: args.disableLocalAccounts,
                aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: args.adminGroupObjectIds },
                agentPoolProfiles: [
                    {
                        ...poolCommon(args, args.systemPool),
                        name: "system",
                        mode: "System",
                        count: args.systemPool.count,
                        enableAutoScaling: false,
                        // Only critical add-ons run here and Pachyderm goes to the user pool; untainted (dev), the
                        // system nodes also run Pachyderm's control plane so that the user pool may be empty or Spot.
                        nodeTaints: args.systemPool.criticalAddonsOnly ? ["CriticalAddonsOnly=true:NoSchedule"] : undefined,
                    },
                ],
                networkProfile: {
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    networkDataplane: "cilium",
                    networkPolicy: "cilium",
                    podCidr: args.network.podCidr,
                    serviceCidr: args.network.serviceCidr,
                    dnsServiceIP: args.network.dnsServiceIp,
                    loadBalancerSku: "standard",
                    outboundType: "loadBalancer",
                },
                apiServerAccessProfile: args.apiServer.privateCluster
                    ? { enablePrivateCluster: true }
                    : { enablePrivateCluster: false, authorizedIPRanges: args.apiServer.authorizedIpRanges },
                oidcIssuerProfile: { enabled: true },
                securityProfile: { workloadIdentity: { enabled: true }, imageCleaner: { enabled: true, intervalHours: 48 } },
                addonProfiles: {
                    omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: this.workspace.id, useAADAuth: "true" } },
                    azurepolicy: { enabled: true },
                },
                autoUpgradeProfile: { upgradeChannel: args.upgradeChannel, nodeOSUpgradeChannel: "NodeImage" },
                storageProfile: { diskCSIDriver: { enabled: true }, snapshotController: { enabled: true } },
            },
            { parent: this, dependsOn: [this.subnetAccess, this.deployerAccess] },
        );
    }

    private createUserPool(name: string, args: ClusterArgs): containerservice.AgentPool {
        return new containerservice.AgentPool(
            `${name}-pool-pachyderm`,
            {
                resourceGroupName: args.resourceGroupName,
                resourceName: this.cluster.name,
                agentPoolName: "pachyderm",
                ...poolCommon(args, args.userPool),
                osDiskSizeGB: args.userPool.osDiskType === "Ephemeral" ? 64 : 256,
                mode: "User",
                enableAutoScaling: true,
                minCount: args.userPool.minCount,
                maxCount: args.userPool.maxCount,
                count: args.userPool.minCount,
                nodeLabels: { workload: "pachyderm" },
                // Spot: evicted nodes are deleted (not kept deallocated against the quota) and the price is capped
                // at the pay-as-you-go price (-1), so nodes are never evicted for price
                // (https://learn.microsoft.com/azure/aks/spot-node-pool). AKS adds SPOT_TAINT itself.
                ...(args.userPool.spot ? { scaleSetPriority: "Spot", scaleSetEvictionPolicy: "Delete", spotMaxPrice: -1 } : {}),
            },
            {
                parent: this,
                // The cluster autoscaler owns the node count: never report its changes as drift.
                ignoreChanges: ["count"],
            },
        );
    }

    /** One weekly window for both Kubernetes and node-image upgrades. */
    private createMaintenanceWindows(name: string, args: ClusterArgs): void {
        const window = args.maintenance;
        for (const [suffix, configName] of [
            ["maintenance", "aksManagedAutoUpgradeSchedule"],
            ["maintenance-nodeos", "aksManagedNodeOSUpgradeSchedule"],
        ]) {
            new containerservice.MaintenanceConfiguration(
                `${name}-${suffix}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: this.cluster.name,
                    configName,
                    maintenanceWindow: {
                        schedule: { weekly: { dayOfWeek: window.dayOfWeek, intervalWeeks: 1 } },
                        durationHours: window.durationHours,
                        startTime: `${String(window.startHour).padStart(2, "0")}:00`,
                        utcOffset: "+00:00",
                    },
                },
                { parent: this },
            );
        }
    }

    /** The user kubeconfig (exec format, kubelogin), secret. */
    private userKubeconfig(args: ClusterArgs): pulumi.Output<string> {
        const credentials = containerservice.listManagedClusterUserCredentialsOutput(
            { resourceGroupName: args.resourceGroupName, resourceName: this.cluster.name, format: "exec" },
            { parent: this },
        );
        return pulumi.secret(credentials.kubeconfigs.apply((k) => withKubeloginMode(Buffer.from(k[0]!.value, "base64").toString("utf8"))));
    }
}
