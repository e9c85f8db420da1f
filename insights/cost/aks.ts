/** Cost models of AKS: the cluster's tier and its node pools (the pools' VMs and managed OS disks). */
import type { PlanResource } from "../../planner/types";
import { diskLine, type Count } from "./compute";
import { arr, CostContext, num, Obj, obj, str } from "./context";

/** Nodes of a pool: autoscaled min..max (expected at the midpoint) or a fixed count. */
export function poolNodes(p: Obj): Count {
    if (p.enableAutoScaling === true) {
        const min = num(p.minCount) ?? num(p.count) ?? 1;
        const max = num(p.maxCount) ?? min;
        const expected = (min + max) / 2;
        return { min, max, expected, assumption: `autoscaled ${min}..${max} nodes, expected = midpoint ${expected}` };
    }
    const n = num(p.count);
    if (n === undefined) return { min: 1, max: 1, expected: 1, assumption: "count not set: Azure's default of 1 node" };
    return { min: n, max: n, expected: n, assumption: `${n} nodes` };
}

/** A node pool (an `AgentPool`, or a profile of the cluster's `agentPoolProfiles`) of `r`. */
function poolLines(ctx: CostContext, r: PlanResource, p: Obj, label: string): void {
    const { hours } = ctx;
    const n = poolNodes(p);
    const vmSize = str(p.vmSize);
    const qty = { expected: n.expected * hours, min: n.min * hours, max: n.max * hours };
    const meter = { kind: "vm", sku: vmSize ?? "", region: ctx.regionOf(r), what: "VM size" };
    if (!vmSize) {
        ctx.unpriced(r, `${label}: vmSize not set`);
    } else if (str(p.scaleSetPriority) === "Spot") {
        const d = (ctx.usage("spotDiscount") as { expected: number; best: number } | undefined) ?? { expected: 0, best: 0 };
        const pct = (x: number) => `${Math.round(x * 100)}%`;
        ctx.addLine(
            r,
            { ...meter, factor: { expected: 1 - d.expected, min: 1 - d.best, max: 1 } },
            qty,
            `${label}: Spot, ${n.assumption} x ${hours} h at pay-as-you-go - ${pct(d.expected)} (spotDiscount; idle end ${pct(d.best)} off, busy end at pay-as-you-go)`,
        );
    } else {
        ctx.addLine(r, meter, qty, `${label}: ${n.assumption} x ${hours} h`);
    }
    if (str(p.osDiskType) === "Managed") {
        ctx.assume("AKS managed OS disks are priced as Premium SSD (LRS) of osDiskSizeGB (default 128 GiB).");
        diskLine(ctx, r, { sku: "Premium_LRS", sizeGiB: num(p.osDiskSizeGB) ?? 128, label: `${label} OS disks` }, n);
    }
}

/** The cluster's tier, and the pools declared in its `agentPoolProfiles`. */
export function aksClusterModel(r: PlanResource, ctx: CostContext): void {
    const sku = obj(r.inputs.sku);
    const tier = str(sku.tier) ?? "Free";
    ctx.addLine(
        r,
        { kind: "aks", sku: tier, region: ctx.regionOf(r), what: "AKS tier" },
        { expected: ctx.hours },
        `AKS ${tier} tier x ${ctx.hours} h${sku.tier ? "" : " (tier not set: Azure's default Free)"}`,
    );
    arr(r.inputs.agentPoolProfiles)
        .map(obj)
        .forEach((p, i) => poolLines(ctx, r, p, `pool ${str(p.name) ?? i}`));
}

/** A standalone node pool. */
export function aksPoolModel(r: PlanResource, ctx: CostContext): void {
    poolLines(ctx, r, r.inputs, `pool ${str(r.inputs.agentPoolName) ?? r.name}`);
}
