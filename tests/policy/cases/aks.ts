/** AKS (docs/policy.md rules 14-22): the compliant and violating cases of tests/policy/rules.test.ts. */
import { Stack } from "../fixtures";
import { RuleCases, golden, goldenProd } from "./shared";

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

export const AKS_CASES: Record<string, RuleCases> = {
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
};
