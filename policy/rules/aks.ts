/** AKS (docs/policy.md rules 14-22). */
import * as containerservice from "@pulumi/azure-native/containerservice";
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { SECRET_MARKER } from "../../lib/secretMarker";
import { workloads } from "../k8s";
import {
    asArray,
    azureName,
    dependsOn,
    envConfigSchema,
    eqi,
    hasAllZones,
    inI,
    label,
    num,
    ofType,
    Props,
    resourceEnv,
    stackEnv,
    stackWith,
} from "../util";
import { advisory, at, mandatory, Reporter } from "./common";

/** Every node pool: inline agentPoolProfiles of the clusters plus AgentPool resources. */
export function nodePools(resources: PolicyResource[]): { pool: Props; owner: PolicyResource; label: string }[] {
    const out: { pool: Props; owner: PolicyResource; label: string }[] = [];
    for (const c of ofType(resources, "azure-native:containerservice:ManagedCluster")) {
        for (const p of asArray<Props>(c.props?.agentPoolProfiles)) out.push({ pool: p, owner: c, label: `node pool '${p.name}'` });
    }
    for (const a of ofType(resources, "azure-native:containerservice:AgentPool"))
        out.push({ pool: a.props ?? {}, owner: a, label: `node pool '${a.props?.agentPoolName ?? a.name}'` });
    return out;
}

export function aksSubnetIds(resources: PolicyResource[]): string[] {
    return nodePools(resources)
        .map((p) => p.pool.vnetSubnetID)
        .filter((s): s is string => typeof s === "string" && s !== SECRET_MARKER);
}

export function poolReport(report: ReportViolation, np: { owner: PolicyResource; label: string }): Reporter {
    return (m) => report(`${label(np.owner)}, ${np.label}: ${m}`, np.owner.urn);
}

export const aksRbac: ResourceValidationPolicy = {
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

export const aksApiServer: ResourceValidationPolicy = {
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

export const aksNetwork: ResourceValidationPolicy = {
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

export const aksTier: ResourceValidationPolicy = {
    name: "aks-sku-tier",
    description: "Rule 17 (CKV_AZURE_170), production: AKS control-plane tier Standard or Premium.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, args, report) => {
        if (resourceEnv(args) !== "prod") args.notApplicable("production-only rule");
        if (!inI(mc.sku?.tier, ["Standard", "Premium"])) report(`sku.tier is '${mc.sku?.tier}', production requires Standard or Premium`);
    }),
};

export const aksZones: StackValidationPolicy = {
    name: "aks-node-pools-zonal",
    description:
        "Rule 18 (CKV_AZURE_143), production: every node pool spans zones 1-3, is a virtual machine scale set and has no node public IPs.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(
        ["azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"],
        (args, report) => {
            if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
            for (const np of nodePools(args.resources)) {
                const where = poolReport(report, np);
                if (!hasAllZones(np.pool.availabilityZones))
                    where(`availabilityZones ${JSON.stringify(np.pool.availabilityZones ?? [])} must include 1, 2 and 3`);
                if (np.pool.type !== undefined && !eqi(np.pool.type, "VirtualMachineScaleSets"))
                    where(`type is '${np.pool.type}', must be VirtualMachineScaleSets`);
                if (np.pool.enableNodePublicIP === true) where("enableNodePublicIP must be false");
            }
        },
    ),
};

export const aksPoolSizing: StackValidationPolicy = {
    name: "aks-node-pool-sizing",
    description:
        "Rule 19 (CKV_AZURE_232), production: a system pool of 3+ nodes tainted CriticalAddonsOnly, and a user pool with autoscaling, minimum 2+.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(["azure-native:containerservice:ManagedCluster"], (args, report) => {
        if (stackEnv(args) !== "prod") args.notApplicable("production-only rule");
        const pools = nodePools(args.resources);
        const system = pools.filter((p) => eqi(p.pool.mode, "System"));
        const user = pools.filter((p) => eqi(p.pool.mode, "User"));
        for (const c of ofType(args.resources, "azure-native:containerservice:ManagedCluster")) {
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

export const aksSpotWorkersOnly: StackValidationPolicy = {
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
        const [firstSpot] = spot;
        if (firstSpot && regularUntainted.length === 0) {
            poolReport(
                report,
                firstSpot,
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

export const aksAddons: ResourceValidationPolicy = {
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

export const aksWorkloadIdentity: ResourceValidationPolicy = {
    name: "aks-workload-identity",
    description: "Rule 21 (AKS baseline): OIDC issuer and workload identity on.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        if (mc.oidcIssuerProfile?.enabled !== true) report("oidcIssuerProfile.enabled must be true");
        if (mc.securityProfile?.workloadIdentity?.enabled !== true) report("securityProfile.workloadIdentity.enabled must be true");
    }),
};

export const aksOperations: StackValidationPolicy = {
    name: "aks-upgrade-and-node-hardening",
    description:
        "Rule 22 (CKV_AZURE_171, CKV_AZURE_226, CKV_AZURE_227, CKV_AZURE_168): auto-upgrade channel with a maintenance window, ephemeral OS disks, encryption at host, maxPods 30+ (advisory).",
    enforcementLevel: advisory,
    validateStack: stackWith(["azure-native:containerservice:ManagedCluster"], (args, report) => {
        const windows = ofType(args.resources, "azure-native:containerservice:MaintenanceConfiguration");
        for (const c of ofType(args.resources, "azure-native:containerservice:ManagedCluster")) {
            const ch = c.props?.autoUpgradeProfile?.upgradeChannel;
            if (!ch || eqi(ch, "none")) at(report, c)("autoUpgradeProfile.upgradeChannel is not set");
            const own = windows.filter(
                (w) =>
                    dependsOn(w, c) ||
                    eqi(w.props?.resourceName, azureName(c) ?? "\u0000") ||
                    ofType(args.resources, "azure-native:containerservice:ManagedCluster").length === 1,
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
