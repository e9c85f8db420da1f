/**
 * Monthly cost estimate of a Plan (see planner/types.ts), from the list prices in insights/prices.json.
 *
 * - Every billable resource gives one or more `CostLine`s (meter, quantity, unit, monthly USD with a
 *   min..max range, and the assumption behind it), grouped by the nearest component ancestor.
 * - The registry of resource types (lib/resourceTypes.ts) says how a type is priced: by one of the cost models
 *   below (one file per resource family), or free by itself (resource groups, VNets, identities, role assignments,
 *   Kubernetes objects, random, ...: listed in `free`).
 * - A billable resource whose SKU/region has no price is listed in `unpriced` and never counted as zero.
 * - Any type without a cost model is `unpriced` ("no cost model for this type").
 *
 * Prices are pay-as-you-go list prices in USD; reservations, savings plans, taxes, egress and
 * per-transaction charges are not modelled (see `assumptions` of the report).
 */
import { PricedModel, resourceType } from "../../lib/resourceTypes";
import type { Plan, PlanResource } from "../../planner/types";
import { aksClusterModel, aksPoolModel } from "./aks";
import { diskModel, vmModel } from "./compute";
import { CostCollections, CostContext, costContext, CostIssue, CostLine, CostOptions } from "./context";
import { cosmosAccountModel, cosmosThroughputModel } from "./cosmos";
import { logAnalyticsModel } from "./monitor";
import { loadBalancerModel, privateDnsZoneModel, privateEndpointModel, publicIpModel } from "./network";
import { postgresServerModel } from "./postgres";
import { normRegion, PRICES } from "./prices";
import { storageAccountModel } from "./storage";

export type { CostIssue, CostLine, CostOptions } from "./context";
export { diskTier, lookupPrice, normRegion, PRICES } from "./prices";
export type { PriceEntry, PriceTable } from "./prices";

export interface ComponentTotal {
    monthlyUsd: number;
    monthlyUsdMin: number;
    monthlyUsdMax: number;
}

export interface CostReport {
    currency: "USD";
    location: string;
    dataTb: number;
    hoursPerMonth: number;
    lines: CostLine[];
    /** Totals per component name (lines' `component`), in first-seen order. */
    components: Record<string, ComponentTotal>;
    totalMonthlyUsd: number;
    totalMonthlyUsdMin: number;
    totalMonthlyUsdMax: number;
    /** Billable resources (or parts of them) without a price: not included in the totals. */
    unpriced: CostIssue[];
    /** Resources that cost nothing by themselves. */
    free: CostIssue[];
    assumptions: string[];
}

/** The cost model of every priced kind the registry names. */
const MODELS: Readonly<Record<PricedModel, (r: PlanResource, ctx: CostContext) => void>> = {
    aksCluster: aksClusterModel,
    aksPool: aksPoolModel,
    vm: vmModel,
    disk: diskModel,
    storageAccount: storageAccountModel,
    cosmosAccount: cosmosAccountModel,
    cosmosThroughput: cosmosThroughputModel,
    loadBalancer: loadBalancerModel,
    publicIp: publicIpModel,
    privateEndpoint: privateEndpointModel,
    privateDnsZone: privateDnsZoneModel,
    postgresServer: postgresServerModel,
    logAnalytics: logAnalyticsModel,
};

/** Prices one resource by the registry's cost model of its type. */
function priceResource(r: PlanResource, ctx: CostContext): void {
    const cost = resourceType(r.type)?.cost;
    if (cost === undefined) ctx.unpriced(r, "no cost model for this resource type");
    else if ("priced" in cost) MODELS[cost.priced](r, ctx);
    else {
        ctx.free(r, cost.free);
        if (cost.caveat) ctx.assume(cost.caveat);
    }
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** Totals per component and overall, then every amount rounded to cents. */
function totals(lines: CostLine[]): { components: Record<string, ComponentTotal>; total: ComponentTotal } {
    const components: Record<string, ComponentTotal> = {};
    const total: ComponentTotal = { monthlyUsd: 0, monthlyUsdMin: 0, monthlyUsdMax: 0 };
    for (const l of lines) {
        const c = (components[l.component] ??= { monthlyUsd: 0, monthlyUsdMin: 0, monthlyUsdMax: 0 });
        for (const t of [c, total]) {
            t.monthlyUsd += l.monthlyUsd;
            t.monthlyUsdMin += l.monthlyUsdMin;
            t.monthlyUsdMax += l.monthlyUsdMax;
        }
    }
    for (const x of [...Object.values(components), ...lines, total]) {
        x.monthlyUsd = round(x.monthlyUsd);
        x.monthlyUsdMin = round(x.monthlyUsdMin);
        x.monthlyUsdMax = round(x.monthlyUsdMax);
    }
    return { components, total };
}

/** Calculates the monthly cost report of a plan. */
export function estimateCost(plan: Plan, opts: CostOptions): CostReport {
    const prices = opts.prices ?? PRICES;
    const hours = opts.hoursPerMonth ?? prices.hoursPerMonth ?? 730;
    const out: CostCollections = {
        lines: [],
        unpriced: [],
        free: [],
        assumptions: new Set([
            `Pay-as-you-go list prices in USD, ${hours} hours a month; reservations, savings plans, taxes, egress and per-transaction charges are not included.`,
            "Prices come from insights/prices.json (each entry has its source and date; entries marked 'estimate' were not confirmed against an official price list).",
        ]),
        usedAssumptions: new Set(),
    };
    const ctx = costContext(plan, opts, prices, hours, out);
    for (const r of plan.resources) if (!r.component) priceResource(r, ctx);
    const { components, total } = totals(out.lines);
    for (const k of out.usedAssumptions) {
        const v = prices.usageAssumptions[k];
        if (v) out.assumptions.add(`${k} = ${JSON.stringify(v.value)}: ${v.note}`);
    }
    return {
        currency: "USD",
        location: normRegion(opts.location),
        dataTb: opts.dataTb,
        hoursPerMonth: hours,
        lines: out.lines,
        components,
        totalMonthlyUsd: total.monthlyUsd,
        totalMonthlyUsdMin: total.monthlyUsdMin,
        totalMonthlyUsdMax: total.monthlyUsdMax,
        unpriced: out.unpriced,
        free: out.free,
        assumptions: [...out.assumptions],
    };
}
