/**
 * What every cost model of insights/cost/ works with: the plan, the price table, the usage assumptions, and the
 * report being filled (lines, unpriced and free resources, assumptions). One context per `estimateCost` call.
 */
import type { Plan, PlanResource } from "../../planner/types";
import { lookupPrice, normRegion, PriceTable } from "./prices";

export interface CostOptions {
    /** Default Azure region (a resource's own `location` input wins). */
    location: string;
    /** Data volume held in Blob Storage, in TB (1 TB = 1024 GB here). */
    dataTb: number;
    /** Hours in a month; 730 by default (Azure's convention). */
    hoursPerMonth?: number;
    /** Price table; insights/prices.json by default. */
    prices?: PriceTable;
}

export interface CostLine {
    urn: string;
    type: string;
    /** Name of the nearest component ancestor, or "(stack)". */
    component: string;
    /** Price table key, e.g. `vm|Standard_D4ds_v5|eastus2`. */
    meter: string;
    /** Expected quantity, in `unit`s (e.g. node-hours, GB-months). */
    quantity: number;
    unit: string;
    /** Expected monthly cost. */
    monthlyUsd: number;
    monthlyUsdMin: number;
    monthlyUsdMax: number;
    assumption: string;
}

export interface CostIssue {
    urn: string;
    type: string;
    reason: string;
}

/** A quantity with its range (min and max default to the expected value). */
export interface Quantity {
    expected: number;
    min?: number;
    max?: number;
}

/** One meter of a resource, priced by `addLine`. */
export interface Meter {
    /** Price table kind and SKU: the key `kind|sku|region`. */
    kind: string;
    sku: string;
    region: string;
    /** What is priced, for the unpriced reason (`no price for <what> '<sku>'`); defaults to `kind`. */
    what?: string;
    /** Multiplies the unit price (e.g. 1 - the Spot discount), per end of the range. */
    factor?: { expected: number; min: number; max: number };
}

export interface CostContext {
    plan: Plan;
    opts: CostOptions;
    prices: PriceTable;
    hours: number;
    /** A usage assumption of the price table (recorded, so the report states it). */
    usage(key: string): unknown;
    /** Prices `qty` of a meter for `r`; a meter without a price makes `r` unpriced instead. */
    addLine(r: PlanResource, meter: Meter, qty: Quantity, assumption: string): void;
    unpriced(r: PlanResource, reason: string): void;
    free(r: PlanResource, reason: string): void;
    assume(text: string): void;
    /** The resource's `location` input, else the stack's. */
    regionOf(r: PlanResource): string;
}

/** The report's collections, filled through a CostContext. */
export interface CostCollections {
    lines: CostLine[];
    unpriced: CostIssue[];
    free: CostIssue[];
    assumptions: Set<string>;
    usedAssumptions: Set<string>;
}

export function costContext(plan: Plan, opts: CostOptions, prices: PriceTable, hours: number, out: CostCollections): CostContext {
    const componentOf = nearestComponent(plan);
    const issue = (r: PlanResource, reason: string): CostIssue => ({ urn: r.urn, type: r.type, reason });
    return {
        plan,
        opts,
        prices,
        hours,
        usage: (key) => {
            out.usedAssumptions.add(key);
            return prices.usageAssumptions[key]?.value;
        },
        addLine: (r, meter, qty, assumption) => {
            const p = lookupPrice(prices, meter.kind, meter.sku, meter.region);
            if (!p) {
                out.unpriced.push(issue(r, `no price for ${meter.what ?? meter.kind} '${meter.sku}' in ${normRegion(meter.region)}`));
                return;
            }
            const factor = meter.factor ?? { expected: 1, min: 1, max: 1 };
            if (p.regionNote) out.assumptions.add(`Prices for ${p.regionNote}.`);
            out.lines.push({
                urn: r.urn,
                type: r.type,
                component: componentOf(r),
                meter: p.key,
                quantity: qty.expected,
                unit: p.unit,
                monthlyUsd: qty.expected * p.usd * factor.expected,
                monthlyUsdMin: (qty.min ?? qty.expected) * p.usd * factor.min,
                monthlyUsdMax: (qty.max ?? qty.expected) * p.usd * factor.max,
                assumption: p.regionNote ? `${assumption}; ${p.regionNote}` : assumption,
            });
        },
        unpriced: (r, reason) => out.unpriced.push(issue(r, reason)),
        free: (r, reason) => out.free.push(issue(r, reason)),
        assume: (text) => out.assumptions.add(text),
        regionOf: (r) => str(r.inputs.location) ?? opts.location,
    };
}

/** Name of the nearest component ancestor of a resource, or "(stack)". */
function nearestComponent(plan: Plan): (r: PlanResource) => string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    return (r) => {
        const seen = new Set<string>();
        let p: string | undefined = r.parent;
        while (p && !seen.has(p)) {
            seen.add(p);
            const pr = byUrn.get(p);
            if (!pr) break;
            if (pr.component && pr.type !== "pulumi:pulumi:Stack") return pr.name;
            p = pr.parent;
        }
        return "(stack)";
    };
}

/** Whether `r` depends on `target`, explicitly or through an input. */
export function dependsOnUrn(r: PlanResource, target: PlanResource): boolean {
    return r.dependencies.includes(target.urn) || r.dependsOn.includes(target.urn);
}

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
