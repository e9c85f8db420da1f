import { Plan } from "../../planner/types";

/**
 * What a plan says about availability, per resource URN: the protection options and every input whose
 * key names a zone, replica count, HA mode, redundancy SKU/tier, node count, taint, Spot priority,
 * toleration, affinity, node selector, geo location or disruption budget. Compared before/after a change
 * (tests/fixtures/prod-availability.json) to show that the change leaves production's availability alone.
 */
const AVAILABILITY_KEY =
    /zone|replica|highavailability|^sku$|tier|count$|taint|priority|eviction|toleration|affinity|nodeselector|^locations$|failover|minavailable|maxunavailable|enableautoscaling|^mode$|georedundant/i;

function pick(v: unknown, out: Record<string, unknown>, path: string): void {
    if (Array.isArray(v)) {
        v.forEach((x, i) => pick(x, out, `${path}[${i}]`));
        return;
    }
    if (!v || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (AVAILABILITY_KEY.test(k)) out[p] = x;
        else pick(x, out, p);
    }
}

export function availabilityOf(plan: Plan): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of plan.resources) {
        if (r.component) continue;
        const facts: Record<string, unknown> = { protect: r.protect, retainOnDelete: r.retainOnDelete };
        pick(r.inputs, facts, "");
        out[r.urn] = facts;
    }
    return out;
}
