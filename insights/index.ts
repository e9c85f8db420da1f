/**
 * Plan insights: monthly cost and expected first-deployment time of a Plan.
 *
 *     import { computeInsights, formatInsights, formatCostDelta } from "../insights";
 *     const insights = computeInsights(plan, { location: "westeurope", dataTb: 10 });
 *     plan.insights = insights;                  // JSON-serialisable
 *     console.log(formatInsights(insights));     // compact text block for the printed plan
 *     console.log(formatCostDelta(base, head));  // Markdown lines for a PR comment
 *
 * Prices: insights/prices.json (refresh with `npx tsx tools/refresh-prices.ts` when online).
 * Creation times: insights/creation-times.json.
 */
import type { Plan } from "../planner/types";
import { estimateCost, type CostOptions, type CostReport } from "./cost";
import { estimateDeployTime, type CreationTimes, type DeployTimeReport } from "./deployTime";

export { estimateCost, lookupPrice, diskTier, PRICES } from "./cost";
export type { CostLine, CostOptions, CostReport, CostIssue, PriceTable } from "./cost";
export { estimateDeployTime, creationSeconds, CREATION_TIMES } from "./deployTime";
export type { CreationTimes, DeployTimeReport, FlaggedDependsOn, PathStep } from "./deployTime";

export interface Insights {
    cost: CostReport;
    deployTime: DeployTimeReport;
}

export interface InsightsOptions extends CostOptions {
    /** Creation times; insights/creation-times.json by default. */
    times?: CreationTimes;
}

/** Cost and deploy-time insights of a plan. Throws on a dependency cycle. */
export function computeInsights(plan: Plan, opts: InsightsOptions): Insights {
    return { cost: estimateCost(plan, opts), deployTime: estimateDeployTime(plan, opts.times) };
}

export function formatUsd(x: number): string {
    const sign = x < 0 ? "-" : "";
    return `${sign}$${Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatDuration(seconds: number): string {
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = s % 60;
    return h ? `${h}h ${m}m` : m ? `${m}m ${rest}s` : `${rest}s`;
}

/** Last segment of a URN (`...::name`). */
const short = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2) || urn;

/** A compact text block: total/month, per component, unpriced, expected deploy time and critical path. */
export function formatInsights(insights: Insights): string {
    const { cost, deployTime: dt } = insights;
    const out: string[] = [];
    out.push(
        `Estimated cost: ${formatUsd(cost.totalMonthlyUsd)}/month (range ${formatUsd(cost.totalMonthlyUsdMin)}..${formatUsd(cost.totalMonthlyUsdMax)}: ` +
            `idle (autoscale minimums, Spot at its best) .. busy (autoscale maximums, Spot at pay-as-you-go)), ` +
            `${cost.location}, ${cost.dataTb} TB of data, list prices`,
    );
    const comps = Object.entries(cost.components).sort((a, b) => b[1].monthlyUsd - a[1].monthlyUsd);
    const width = Math.max(0, ...comps.map(([n]) => n.length));
    const range = (x: { monthlyUsd: number; monthlyUsdMin: number; monthlyUsdMax: number }) =>
        x.monthlyUsdMin !== x.monthlyUsdMax ? ` (${formatUsd(x.monthlyUsdMin)}..${formatUsd(x.monthlyUsdMax)})` : "";
    for (const [name, c] of comps) {
        out.push(`  ${name.padEnd(width)}  ${formatUsd(c.monthlyUsd).padStart(12)}${range(c)}`);
        // Every line with the assumption behind it.
        for (const l of cost.lines.filter((x) => x.component === name).sort((a, b) => b.monthlyUsd - a.monthlyUsd)) {
            out.push(`      ${formatUsd(l.monthlyUsd).padStart(10)}${range(l)}  ${short(l.urn)} [${l.meter}]: ${l.assumption}`);
        }
    }
    out.push("Assumptions:", ...cost.assumptions.map((a) => `  - ${a}`));
    if (cost.unpriced.length) {
        out.push(`Unpriced (not in the total): ${cost.unpriced.length}`);
        for (const u of cost.unpriced) out.push(`  ${short(u.urn)} (${u.type}): ${u.reason}`);
    }
    out.push(`Expected first deployment: ${formatDuration(dt.totalSeconds)} (${dt.resourceCount} resources, unlimited parallelism)`);
    out.push(`Critical path: ${dt.criticalPath.map((s) => `${short(s.urn)} ${formatDuration(s.seconds)}`).join(" -> ")}`);
    for (const f of dt.flaggedDependsOn) {
        out.push(`  dependsOn ${short(f.from)} -> ${short(f.to)} has no data dependency and adds ${formatDuration(f.addedSeconds)}`);
    }
    if (dt.defaultedTypes.length) out.push(`Default creation time used for: ${dt.defaultedTypes.join(", ")}`);
    return out.join("\n");
}

const costOf = (x: Insights | CostReport): CostReport => ("cost" in x ? x.cost : x);

function delta(base: number, head: number): string {
    const d = head - base;
    const pct = base !== 0 ? ` (${d >= 0 ? "+" : ""}${((d / base) * 100).toFixed(1)}%)` : "";
    return `${d >= 0 ? "+" : ""}${formatUsd(d)}${pct}`;
}

/** Markdown lines for a PR: total delta, then one line per component whose cost changed. */
export function formatCostDelta(base: Insights | CostReport, head: Insights | CostReport): string {
    const b = costOf(base);
    const h = costOf(head);
    const out = [
        `**Estimated monthly cost:** ${formatUsd(b.totalMonthlyUsd)} → ${formatUsd(h.totalMonthlyUsd)} (${delta(b.totalMonthlyUsd, h.totalMonthlyUsd)})`,
    ];
    const names = [...new Set([...Object.keys(b.components), ...Object.keys(h.components)])];
    const rows = names
        .map((n) => ({ n, b: b.components[n]?.monthlyUsd ?? 0, h: h.components[n]?.monthlyUsd ?? 0 }))
        .filter((r) => Math.abs(r.h - r.b) >= 0.005)
        .sort((x, y) => Math.abs(y.h - y.b) - Math.abs(x.h - x.b));
    if (rows.length) {
        out.push("", "| Component | Base | Head | Delta |", "| --- | ---: | ---: | ---: |");
        for (const r of rows) out.push(`| ${r.n} | ${formatUsd(r.b)} | ${formatUsd(r.h)} | ${delta(r.b, r.h)} |`);
    }
    const newUnpriced = h.unpriced.filter((u) => !b.unpriced.some((x) => x.urn === u.urn && x.reason === u.reason));
    if (newUnpriced.length) {
        out.push(
            "",
            `New unpriced resources (not in the total): ${newUnpriced.map((u) => `\`${short(u.urn)}\` (${u.reason})`).join(", ")}`,
        );
    }
    return out.join("\n");
}

/** Monthly cost per resource URN (a resource may have several priced lines). */
function costByUrn(cost: CostReport): Map<string, number> {
    const m = new Map<string, number>();
    for (const l of cost.lines) m.set(l.urn, (m.get(l.urn) ?? 0) + l.monthlyUsd);
    return m;
}

/** Markdown table of the resources whose own monthly cost changes (added, removed or re-priced). */
export function formatResourceCostDeltas(base: Insights | CostReport, head: Insights | CostReport): string {
    const b = costByUrn(costOf(base));
    const h = costByUrn(costOf(head));
    const rows = [...new Set([...b.keys(), ...h.keys()])]
        .map((urn) => ({ urn, b: b.get(urn) ?? 0, h: h.get(urn) ?? 0 }))
        .filter((r) => Math.abs(r.h - r.b) >= 0.005)
        .sort((x, y) => Math.abs(y.h - y.b) - Math.abs(x.h - x.b));
    if (rows.length === 0) return "";
    return [
        "| Resource | Base | Head | Delta |",
        "| --- | ---: | ---: | ---: |",
        ...rows.map((r) => `| \`${short(r.urn)}\` | ${formatUsd(r.b)} | ${formatUsd(r.h)} | ${delta(r.b, r.h)} |`),
    ].join("\n");
}

/** Whether a plan's `insights` are full insights (cost report with lines and deploy time), as `npm run plan` writes them. */
export function isInsights(x: unknown): x is Insights {
    const i = x as { cost?: { lines?: unknown }; deployTime?: { criticalPath?: unknown } } | undefined;
    return Array.isArray(i?.cost?.lines) && Array.isArray(i?.deployTime?.criticalPath);
}

/** The insights section of the plan diff of two plans (`diffPlans`' `insightsDelta`), when both carry insights. */
export function planInsightsDelta(base: Plan, head: Plan): string | undefined {
    return isInsights(base.insights) && isInsights(head.insights) ? formatInsightsDelta(base.insights, head.insights) : undefined;
}

/** The insights section of a pull-request plan diff: cost per component and per resource, deploy time. */
export function formatInsightsDelta(base: Insights, head: Insights): string {
    const out = [formatCostDelta(base, head)];
    const perResource = formatResourceCostDeltas(base, head);
    if (perResource) out.push("", "Cost by changed resource:", "", perResource);
    const bt = base.deployTime.totalSeconds;
    const ht = head.deployTime.totalSeconds;
    out.push(
        "",
        `**Expected first deployment:** ${formatDuration(bt)} → ${formatDuration(ht)}` +
            (ht === bt ? " (unchanged)" : ` (${ht > bt ? "+" : "-"}${formatDuration(Math.abs(ht - bt))})`),
    );
    const bp = base.deployTime.criticalPath.map((s) => short(s.urn)).join(" -> ");
    const hp = head.deployTime.criticalPath.map((s) => short(s.urn)).join(" -> ");
    if (bp !== hp) out.push("", `Critical path now: ${hp}`);
    return out.join("\n");
}
