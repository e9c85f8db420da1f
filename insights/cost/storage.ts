/** Cost model of Blob Storage: the data volume in the account that holds the data, split by access tier. */
import { isType } from "../../lib/resourceTypes";
import type { Plan, PlanResource } from "../../planner/types";
import { arr, CostContext, dependsOnUrn, num, obj, str } from "./context";

const ofType = (
    plan: Plan,
    token: "azure-native:storage:StorageAccount" | "azure-native:storage:ManagementPolicy" | "azure-native:storage:BlobContainer",
) => plan.resources.filter((r) => !r.component && isType(r.type, token));

/** A child (lifecycle policy, container) of a storage account: it depends on it or names it. */
function linked(child: PlanResource, acct: PlanResource): boolean {
    return (
        dependsOnUrn(child, acct) || (str(child.inputs.accountName) !== undefined && child.inputs.accountName === acct.inputs.accountName)
    );
}

/** The account that holds the data: the one with a lifecycle policy, else with a container, else the first. */
function dataAccount(plan: Plan): PlanResource | undefined {
    const accounts = ofType(plan, "azure-native:storage:StorageAccount");
    const policies = ofType(plan, "azure-native:storage:ManagementPolicy");
    const containers = ofType(plan, "azure-native:storage:BlobContainer");
    return (
        accounts.find((a) => policies.some((p) => linked(p, a))) ??
        accounts.find((a) => containers.some((c) => linked(c, a))) ??
        accounts[0]
    );
}

/** The earliest tiering days of the account's enabled lifecycle rules (Infinity: none), and whether one archives. */
function lifecycleDays(plan: Plan, acct: PlanResource): { cool: number; cold: number; archive: boolean } {
    let cool = Infinity;
    let cold = Infinity;
    let archive = false;
    for (const p of ofType(plan, "azure-native:storage:ManagementPolicy").filter((p) => linked(p, acct))) {
        for (const rule of arr(obj(p.inputs.policy).rules).map(obj)) {
            if (rule.enabled === false) continue;
            const base = obj(obj(obj(rule.definition).actions).baseBlob);
            const days = (a: unknown): number | undefined =>
                num(obj(a).daysAfterModificationGreaterThan) ??
                num(obj(a).daysAfterLastAccessTimeGreaterThan) ??
                num(obj(a).daysAfterCreationGreaterThan);
            cool = Math.min(cool, days(base.tierToCool) ?? Infinity);
            cold = Math.min(cold, days(base.tierToCold) ?? Infinity);
            if (days(base.tierToArchive) !== undefined) archive = true;
        }
    }
    return { cool, cold, archive };
}

/** Share of the data per access tier, from the lifecycle rules and a constant write rate over the horizon. */
function tierSplit(ctx: CostContext, acct: PlanResource): { split: Record<string, number>; why: string } {
    const accountTier = str(acct.inputs.accessTier) === "Cool" ? "Cool" : "Hot";
    const horizon = (ctx.usage("blobDataAgeHorizonDays") as number | undefined) ?? 365;
    const { cool, cold, archive } = lifecycleDays(ctx.plan, acct);
    if (cool === Infinity && cold === Infinity) {
        const d = (ctx.usage("defaultBlobTierSplit") as Record<string, number> | undefined) ?? { Hot: 1 };
        const split = accountTier === "Cool" ? { Cool: 1 } : d;
        return {
            split,
            why: `no lifecycle rule found: ${Object.entries(split)
                .map(([t, s]) => `${Math.round(s * 100)}% ${t}`)
                .join(", ")}`,
        };
    }
    const c = Math.min(cool, cold, horizon);
    const d = Math.min(cold, horizon);
    const split: Record<string, number> = { Hot: 0, Cool: 0, Cold: 0 };
    split[accountTier] = (split[accountTier] ?? 0) + c / horizon;
    split.Cool = (split.Cool ?? 0) + (d - c) / horizon;
    split.Cold = (split.Cold ?? 0) + (horizon - d) / horizon;
    const why =
        `lifecycle rule: Cool after ${cool === Infinity ? "never" : cool} d, Cold after ${cold === Infinity ? "never" : cold} d; ` +
        `data assumed written at a constant rate over ${horizon} d` +
        (archive ? " (the Archive action is ignored: Archive is not priced)" : "");
    return { split, why };
}

/** A storage account: the stack's data volume if it holds the data, else no capacity. */
export function storageAccountModel(r: PlanResource, ctx: CostContext): void {
    const { opts } = ctx;
    const sku = str(obj(r.inputs.sku).name) ?? "";
    const redundancy = /^Standard_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)$/.exec(sku)?.[1];
    if (!redundancy) {
        ctx.unpriced(r, `no price for storage SKU '${sku || "(not set)"}'`);
        return;
    }
    const blob = (tier: string) => ({ kind: "blob", sku: `${redundancy}-${tier}`, region: ctx.regionOf(r), what: "blob storage" });
    const holder = dataAccount(ctx.plan);
    if (r !== holder) {
        ctx.addLine(r, blob("Hot"), { expected: 0 }, `no data volume assigned (the ${opts.dataTb} TB are assigned to ${holder?.name})`);
        return;
    }
    const gb = opts.dataTb * 1024;
    const { split, why } = tierSplit(ctx, r);
    ctx.assume(
        `Blob data: ${opts.dataTb} TB (x 1024 GB) in storage account ${r.name}; ${why}; previous versions and soft-deleted blobs are not included.`,
    );
    for (const [tier, share] of Object.entries(split)) {
        if (share <= 0) continue;
        ctx.addLine(r, blob(tier), { expected: gb * share }, `${(share * 100).toFixed(1)}% of ${gb} GB in ${tier} (${why})`);
    }
}
