/** Cost model of Log Analytics: ingestion per node (AKS nodes and VMs), less without container logs, capped per day. */
import { isType } from "../../lib/resourceTypes";
import type { Plan, PlanResource } from "../../planner/types";
import { poolNodes } from "./aks";
import { arr, CostContext, dependsOnUrn, num, obj } from "./context";

/** The nodes that send logs: every AKS pool's nodes and every VM. */
function nodeCounts(plan: Plan): { min: number; max: number; expected: number } {
    const nodes = { min: 0, max: 0, expected: 0 };
    const add = (n: { min: number; max: number; expected: number }): void => {
        nodes.min += n.min;
        nodes.max += n.max;
        nodes.expected += n.expected;
    };
    for (const r of plan.resources) {
        if (r.component) continue;
        if (isType(r.type, "azure-native:containerservice:ManagedCluster"))
            arr(r.inputs.agentPoolProfiles).forEach((p) => add(poolNodes(obj(p))));
        if (isType(r.type, "azure-native:containerservice:AgentPool")) add(poolNodes(r.inputs));
        if (isType(r.type, "azure-native:compute:VirtualMachine")) add({ min: 1, max: 1, expected: 1 });
    }
    return nodes;
}

/** A workspace: GB per node per day (smaller when no data collection rule sends container logs), under its daily cap. */
export function logAnalyticsModel(r: PlanResource, ctx: CostContext): void {
    const nodes = nodeCounts(ctx.plan);
    // The rules that send to this workspace: without a container log stream, ingestion is much smaller.
    const rules = ctx.plan.resources.filter((d) => isType(d.type, "azure-native:monitor:DataCollectionRule") && dependsOnUrn(d, r));
    const streams = rules.flatMap((d) => arr(d.inputs.dataFlows).flatMap((f) => arr(obj(f).streams))).map(String);
    const withLogs =
        rules.length === 0 ||
        streams.some((st) => st === "Microsoft-ContainerInsights-Group-Default" || st.startsWith("Microsoft-ContainerLog"));
    const key = withLogs ? "logAnalyticsGbPerNodePerDay" : "logAnalyticsGbPerNodePerDayWithoutContainerLogs";
    const perNode = (ctx.usage(key) as number | undefined) ?? 0.5;
    const cap = num(obj(r.inputs.workspaceCapping).dailyQuotaGb);
    const capped = cap !== undefined && cap > 0;
    const perDay = (n: number) => (capped ? Math.min(n * perNode, cap) : n * perNode);
    const days = ctx.hours / 24;
    ctx.addLine(
        r,
        { kind: "loganalytics", sku: "analytics-ingest", region: ctx.regionOf(r), what: "Log Analytics ingestion" },
        { expected: perDay(nodes.expected) * days, min: perDay(nodes.min) * days, max: perDay(nodes.max) * days },
        `${perNode} GB/node/day (${key}) x ${nodes.expected} expected nodes (${nodes.min}..${nodes.max}) x ${days.toFixed(2)} days` +
            (capped ? `, capped at ${cap} GB/day (workspaceCapping.dailyQuotaGb)` : ", no daily cap"),
    );
}
