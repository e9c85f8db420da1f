/** Cost models of Cosmos DB: the account (serverless request units, storage and backup per region) and autoscale throughput. */
import { isType } from "../../lib/resourceTypes";
import type { PlanResource } from "../../planner/types";
import { arr, CostContext, dependsOnUrn, num, obj, str } from "./context";
import { normRegion } from "./prices";

/** The account of a database or container: it depends on it or names it. */
function accountOf(ctx: CostContext, r: PlanResource): PlanResource | undefined {
    return ctx.plan.resources.find(
        (a) =>
            isType(a.type, "azure-native:cosmosdb:DatabaseAccount") &&
            (dependsOnUrn(r, a) || (str(r.inputs.accountName) !== undefined && r.inputs.accountName === a.inputs.accountName)),
    );
}

/** The account's regions (its `locations`), else its own or the stack's region. */
function regionsOf(ctx: CostContext, a: PlanResource | undefined): string[] {
    const locs = arr(a?.inputs.locations)
        .map((l) => str(obj(l).locationName))
        .filter((l): l is string => !!l);
    return locs.length ? locs : [a ? ctx.regionOf(a) : ctx.opts.location];
}

/** An account: serverless request units (when serverless), and storage and 30-day continuous backup in every region. */
export function cosmosAccountModel(r: PlanResource, ctx: CostContext): void {
    const serverless = arr(r.inputs.capabilities).some((c) => obj(c).name === "EnableServerless");
    const regions = regionsOf(ctx, r);
    const gb = (ctx.usage("cosmosStorageGb") as number | undefined) ?? 10;
    const cosmos = (sku: string, region: string | undefined, what: string) => ({ kind: "cosmos", sku, region: region ?? "", what });
    if (serverless) {
        const mru = (ctx.usage("cosmosServerlessMillionRuPerMonth") as number | undefined) ?? 50;
        ctx.addLine(
            r,
            cosmos("serverless-ru", regions[0], "Cosmos DB serverless"),
            { expected: mru },
            `serverless: ${mru} M RU a month (usage assumption)`,
        );
    }
    const backup = obj(r.inputs.backupPolicy);
    const cont30 = str(backup.type) === "Continuous" && str(obj(backup.continuousModeProperties).tier) === "Continuous30Days";
    for (const reg of regions) {
        ctx.addLine(
            r,
            cosmos("storage", reg, "Cosmos DB storage"),
            { expected: gb },
            `${gb} GB of data in ${normRegion(reg)} (usage assumption)`,
        );
        if (cont30)
            ctx.addLine(
                r,
                cosmos("continuous30-backup", reg, "Cosmos DB backup"),
                { expected: gb },
                `continuous 30-day backup of ${gb} GB in ${normRegion(reg)}`,
            );
    }
}

/** A database or container: its own autoscale throughput in every region of its account (shared or serverless: free). */
export function cosmosThroughputModel(r: PlanResource, ctx: CostContext): void {
    const options = obj(r.inputs.options);
    const maxRu = num(obj(options.autoscaleSettings).maxThroughput);
    if (maxRu === undefined) {
        if (num(options.throughput) !== undefined)
            ctx.unpriced(r, "manual (non-autoscale) provisioned throughput is not in the price table");
        else ctx.free(r, "no dedicated throughput (serverless account or shared database throughput)");
        return;
    }
    const acct = accountOf(ctx, r);
    if (acct?.inputs.enableMultipleWriteLocations === true) {
        ctx.unpriced(r, "multi-region write autoscale throughput is not in the price table");
        return;
    }
    const regions = regionsOf(ctx, acct);
    const perHour = { min: (maxRu * 0.1) / 100, max: maxRu / 100, expected: (maxRu * 0.55) / 100 };
    const hours = ctx.hours;
    for (const reg of regions) {
        ctx.addLine(
            r,
            { kind: "cosmos", sku: "autoscale", region: reg, what: "Cosmos DB autoscale" },
            { expected: perHour.expected * hours, min: perHour.min * hours, max: perHour.max * hours },
            `autoscale ${maxRu * 0.1}..${maxRu} RU/s, expected = midpoint ${maxRu * 0.55} RU/s, x ${hours} h in ${normRegion(reg)} (one of ${regions.length} region(s))`,
        );
    }
}
