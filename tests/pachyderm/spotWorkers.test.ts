import { ppsToleration, workerPodToleration } from "../../lib/facts/pachyderm";
import schema from "../../lib/facts/pachyderm-2.12/ClusterDefaults.schema.json";
import { loadPlan, STACKS } from "../helpers/plans";
import { k8sObjectsOf, plannedClusterDefaults, plannedWorkerPod, validateClusterDefaults } from "./helpers";
import type { JsonValue } from "../../lib/json";

/**
 * AKS taints every Spot node `kubernetes.azure.com/scalesetpriority=spot:NoSchedule`
 * (https://learn.microsoft.com/azure/aks/spot-node-pool#limitations): without a toleration the Spot pool
 * never gets a pod. Pipeline workers get it through Pachyderm's cluster defaults (pps_v2 Toleration,
 * src/pps/pps.proto at 2.12.x); the control plane never does (policy rule aks-spot-workers-only).
 */
const SPOT_TAINT = { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" };

/** Kubernetes' rule (k8s.io/api core/v1 toleration.go: ToleratesTaint): effect empty or equal, key empty+Exists or equal, Exists or value equal. */
const tolerates = (ts: { key: string; operator: string; value: string; effect: string }[] = [], taint = SPOT_TAINT) =>
    ts.some(
        (t) =>
            (t.effect === "" || t.effect === taint.effect) &&
            (t.key === "" ? t.operator === "Exists" : t.key === taint.key) &&
            (t.operator === "Exists" || (t.operator === "Equal" && t.value === taint.value)),
    );

const { definitions } = schema as { definitions: Record<string, JsonValue> };

describe.each(STACKS)("Spot pool and pipeline workers of stack %s", (stack) => {
    const plan = loadPlan(stack);
    const objects = k8sObjectsOf(plan);
    const spotPools = plan.resources.filter(
        (r) => r.type === "azure-native:containerservice:AgentPool" && r.inputs.scaleSetPriority === "Spot",
    );

    it("workers tolerate the Spot taint exactly when the stack has a Spot pool, with defaults pachd accepts", () => {
        const defaults = plannedClusterDefaults(objects);
        expect(validateClusterDefaults(defaults)).toBe(true);
        expect(tolerates(plannedWorkerPod(objects).spec.tolerations)).toBe(spotPools.length > 0);
    });
});

it("the dev stack is the one with a Spot pool (so the test above sees both cases)", () => {
    expect(loadPlan("dev").resources.some((r) => r.inputs.scaleSetPriority === "Spot")).toBe(true);
    expect(loadPlan("prod").resources.some((r) => r.inputs.scaleSetPriority === "Spot")).toBe(false);
});

it("pps_v2.Toleration spelling: Pachyderm's schema takes the enum names and refuses Kubernetes' spelling", () => {
    const request = (tolerations: unknown[]) => ({ createPipelineRequest: { tolerations } });
    const t = ppsToleration({ ...SPOT_TAINT, operator: "Equal", effect: "NoSchedule" });
    expect(t).toEqual({ key: SPOT_TAINT.key, operator: "EQUAL", value: "spot", effect: "NO_SCHEDULE" });
    expect(validateClusterDefaults(request([t]))).toBe(true);
    expect(validateClusterDefaults(request([{ ...SPOT_TAINT, operator: "Equal" }]))).toBe(false);
    expect(definitions["pps_v2.Toleration"].properties.operator.enum).toEqual(["EMPTY", "EXISTS", "EQUAL"]);
    expect(definitions["pps_v2.Toleration"].properties.effect.enum).toEqual([
        "ALL_EFFECTS",
        "NO_SCHEDULE",
        "PREFER_NO_SCHEDULE",
        "NO_EXECUTE",
    ]);
});

it("pachd's translation (worker_rc.go transformToleration) gives back the Kubernetes toleration, and refuses EMPTY", () => {
    for (const k of [
        { ...SPOT_TAINT, operator: "Equal" as const, effect: "NoSchedule" as const },
        { key: "k", operator: "Exists" as const, effect: "" as const },
    ]) {
        expect(workerPodToleration(ppsToleration(k))).toEqual({ value: "", ...k });
    }
    expect(() => workerPodToleration({ key: "k", operator: "EMPTY" as never, effect: "NO_SCHEDULE" })).toThrow(/specify EQUAL or EXISTS/);
});
