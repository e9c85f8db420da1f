/**
 * Monthly cost estimate of a Plan (see planner/types.ts), from the list prices in insights/prices.json.
 *
 * - Every billable resource gives one or more `CostLine`s (meter, quantity, unit, monthly USD with a
 *   min..max range, and the assumption behind it), grouped by the nearest component ancestor.
 * - A billable resource whose SKU/region has no price is listed in `unpriced` and never counted as zero.
 * - Resource kinds that cost nothing by themselves (resource groups, VNets, subnets, NSGs, identities,
 *   role assignments, Kubernetes objects, random, ...) are listed in `free`.
 * - Any type the model does not know is `unpriced` ("no cost model for this type").
 *
 * Prices are pay-as-you-go list prices in USD; reservations, savings plans, taxes, egress and
 * per-transaction charges are not modelled (see `assumptions` of the report).
 */
import type { Plan, PlanResource } from "../planner/types";
import pricesJson from "./prices.json";

export interface PriceEntry {
    unit: string;
    usd: number;
    source: string;
    asOf: string;
    note?: string;
    /** Retail Prices API query used by tools/refresh-prices.ts. */
    retail?: { filter: string; exclude?: string[] };
}

export interface PriceTable {
    currency: string;
    baseRegion: string;
    hoursPerMonth: number;
    regions: Record<string, { multiplier: number; basis: string }>;
    usageAssumptions: Record<string, { value: unknown; note: string }>;
    /** Keyed `kind|sku|region`; region `*` = same price everywhere. */
    meters: Record<string, PriceEntry>;
}

export const PRICES = pricesJson as unknown as PriceTable;

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

const FREE_TYPES: Record<string, string> = {
    "azure-native:resources:ResourceGroup": "resource groups are free",
    "azure-native:network:VirtualNetwork": "virtual networks are free (peering/egress not modelled)",
    "azure-native:network:Subnet": "subnets are free",
    "azure-native:network:NetworkSecurityGroup": "network security groups are free",
    "azure-native:network:SecurityRule": "security rules are free",
    "azure-native:network:NetworkInterface": "network interfaces are free",
    "azure-native:network:RouteTable": "route tables are free",
    "azure-native:network:PrivateDnsZoneGroup": "DNS zone groups are free (the zone is priced)",
    "azure-native:network:VirtualNetworkLink": "private DNS VNet links are free (the zone is priced)",
    "azure-native:privatedns:VirtualNetworkLink": "private DNS VNet links are free (the zone is priced)",
    "azure-native:managedidentity:UserAssignedIdentity": "managed identities are free",
    "azure-native:managedidentity:FederatedIdentityCredential": "federated credentials are free",
    "azure-native:authorization:RoleAssignment": "role assignments are free",
    "azure-native:authorization:ManagementLock": "management locks are free",
    "azure-native:storage:BlobContainer": "containers are free (capacity is priced on the storage account)",
    "azure-native:storage:BlobServiceProperties": "blob service settings are free (capacity is priced on the account)",
    "azure-native:storage:ManagementPolicy": "lifecycle policies are free (they set the tier split of the account)",
    "azure-native:cosmosdb:SqlResourceSqlRoleAssignment": "Cosmos DB role assignments are free",
    "azure-native:authorization:ManagementLockByScope": "management locks are free",
    "azure-native:monitor:DataCollectionRule": "data collection rules are free (ingestion is billed on the Log Analytics workspace)",
    "azure-native:monitor:DataCollectionRuleAssociation": "data collection rule associations are free",
    "azure-native:authorization:ManagementLockAtResourceLevel": "management locks are free",
    "azure-native:dbforpostgresql:Configuration": "server parameters are free",
    "azure-native:dbforpostgresql:Database": "databases are included in the server price",
    "azure-native:dbforpostgresql:FirewallRule": "firewall rules are free",
    "azure-native:containerservice:MaintenanceConfiguration": "maintenance windows are free",
    "azure-native:monitor:DiagnosticSetting": "diagnostic settings are free (ingestion is priced on the workspace)",
    "azure-native:compute:VirtualMachineExtension": "VM extensions are free",
    "azure-native:devtestlab:GlobalSchedule": "auto-shutdown schedules are free (they lower the VM's hours)",
};
const FREE_PREFIXES: [string, string][] = [
    ["kubernetes:", "Kubernetes objects run on the priced nodes"],
    ["random:", "random values are local to Pulumi"],
    ["tls:", "TLS keys are local to Pulumi"],
    ["pulumi:providers:", "providers are not cloud resources"],
];

/** Normalises "West Europe" / "westeurope" / "west_europe" to "westeurope". */
export function normRegion(s: string): string {
    return s.toLowerCase().replace(/[\s_-]/g, "");
}

interface Priced {
    key: string;
    usd: number;
    unit: string;
    regionNote?: string;
}

/** Price of `kind|sku` in `region`: exact, then flat (`*`), then base region x documented multiplier. */
export function lookupPrice(prices: PriceTable, kind: string, sku: string, region: string): Priced | undefined {
    const r = normRegion(region);
    for (const key of [`${kind}|${sku}|${r}`, `${kind}|${sku}|*`]) {
        const e = prices.meters[key];
        if (e) return { key, usd: e.usd, unit: e.unit };
    }
    const base = prices.meters[`${kind}|${sku}|${prices.baseRegion}`];
    const reg = prices.regions[r];
    if (base && reg) {
        if (reg.multiplier === 1) return { key: `${kind}|${sku}|${prices.baseRegion}`, usd: base.usd, unit: base.unit };
        return {
            key: `${kind}|${sku}|${prices.baseRegion}`,
            usd: base.usd * reg.multiplier,
            unit: base.unit,
            regionNote: `${r} = ${prices.baseRegion} x ${reg.multiplier} (estimated regional multiplier)`,
        };
    }
    return undefined;
}

const PREMIUM_TIERS: [string, number][] = [
    ["1", 4],
    ["2", 8],
    ["3", 16],
    ["4", 32],
    ["6", 64],
    ["10", 128],
    ["15", 256],
    ["20", 512],
    ["30", 1024],
    ["40", 2048],
    ["50", 4096],
];

/** Billing tier of a managed disk (Azure rounds the size up to the next tier), e.g. Premium_ZRS 256 GiB -> "P15". */
export function diskTier(skuName: string, sizeGiB: number): string | undefined {
    const letter = skuName.startsWith("Premium_") ? "P" : skuName.startsWith("StandardSSD_") ? "E" : undefined;
    if (!letter || !(sizeGiB > 0)) return undefined;
    const t = PREMIUM_TIERS.find(([, gib]) => sizeGiB <= gib);
    return t ? `${letter}${t[0]}` : undefined;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

interface NodeCount {
    min: number;
    max: number;
    expected: number;
    assumption: string;
}

function poolNodes(p: Obj): NodeCount {
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

/** Calculates the monthly cost report of a plan. */
export function estimateCost(plan: Plan, opts: CostOptions): CostReport {
    const prices = opts.prices ?? PRICES;
    const hours = opts.hoursPerMonth ?? prices.hoursPerMonth ?? 730;
    const usedAssumptions = new Set<string>();
    const usage = (k: string): unknown => {
        usedAssumptions.add(k);
        return prices.usageAssumptions[k]?.value;
    };
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const lines: CostLine[] = [];
    const unpriced: CostIssue[] = [];
    const free: CostIssue[] = [];
    const assumptions = new Set<string>([
        `Pay-as-you-go list prices in USD, ${hours} hours a month; reservations, savings plans, taxes, egress and per-transaction charges are not included.`,
        "Prices come from insights/prices.json (each entry has its source and date; entries marked 'estimate' were not confirmed against an official price list).",
    ]);

    const componentOf = (r: PlanResource): string => {
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
    const regionOf = (r: PlanResource): string => str(r.inputs.location) ?? opts.location;
    const dependsOnUrn = (r: PlanResource, target: PlanResource): boolean =>
        r.dependencies.includes(target.urn) || r.dependsOn.includes(target.urn);

    const addLine = (
        r: PlanResource,
        kind: string,
        sku: string,
        region: string,
        qty: { expected: number; min?: number; max?: number },
        assumption: string,
        what = kind,
        /** Multiplies the unit price (e.g. 1 - the Spot discount), per end of the range. */
        factor = { expected: 1, min: 1, max: 1 },
    ): void => {
        const p = lookupPrice(prices, kind, sku, region);
        if (!p) {
            unpriced.push({ urn: r.urn, type: r.type, reason: `no price for ${what} '${sku}' in ${normRegion(region)}` });
            return;
        }
        const min = qty.min ?? qty.expected;
        const max = qty.max ?? qty.expected;
        if (p.regionNote) assumptions.add(`Prices for ${p.regionNote}.`);
        lines.push({
            urn: r.urn,
            type: r.type,
            component: componentOf(r),
            meter: p.key,
            quantity: qty.expected,
            unit: p.unit,
            monthlyUsd: qty.expected * p.usd * factor.expected,
            monthlyUsdMin: min * p.usd * factor.min,
            monthlyUsdMax: max * p.usd * factor.max,
            assumption: p.regionNote ? `${assumption}; ${p.regionNote}` : assumption,
        });
    };

    // --- node counts, for Log Analytics ingestion -----------------------------------------------------
    const nodes = { min: 0, max: 0, expected: 0 };
    const addNodes = (n: NodeCount): void => {
        nodes.min += n.min;
        nodes.max += n.max;
        nodes.expected += n.expected;
    };
    for (const r of plan.resources) {
        if (r.component) continue;
        if (r.type === "azure-native:containerservice:ManagedCluster")
            arr(r.inputs.agentPoolProfiles).forEach((p) => addNodes(poolNodes(obj(p))));
        if (r.type === "azure-native:containerservice:AgentPool") addNodes(poolNodes(r.inputs));
        if (r.type === "azure-native:compute:VirtualMachine") addNodes({ min: 1, max: 1, expected: 1, assumption: "" });
    }

    // --- which storage account holds the data, and its tier split ------------------------------------------
    const accounts = plan.resources.filter((r) => !r.component && r.type === "azure-native:storage:StorageAccount");
    const policies = plan.resources.filter((r) => !r.component && r.type === "azure-native:storage:ManagementPolicy");
    const containers = plan.resources.filter((r) => !r.component && r.type === "azure-native:storage:BlobContainer");
    const linked = (child: PlanResource, acct: PlanResource): boolean =>
        dependsOnUrn(child, acct) || (str(child.inputs.accountName) !== undefined && child.inputs.accountName === acct.inputs.accountName);
    const dataAccount =
        accounts.find((a) => policies.some((p) => linked(p, a))) ??
        accounts.find((a) => containers.some((c) => linked(c, a))) ??
        accounts[0];

    const tierSplit = (acct: PlanResource): { split: Record<string, number>; why: string } => {
        const accountTier = str(acct.inputs.accessTier) === "Cool" ? "Cool" : "Hot";
        const horizon = (usage("blobDataAgeHorizonDays") as number | undefined) ?? 365;
        let cool = Infinity;
        let cold = Infinity;
        let archive = false;
        for (const p of policies.filter((p) => linked(p, acct))) {
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
        if (cool === Infinity && cold === Infinity) {
            const d = (usage("defaultBlobTierSplit") as Record<string, number> | undefined) ?? { Hot: 1 };
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
        split[accountTier] += c / horizon;
        split.Cool += (d - c) / horizon;
        split.Cold += (horizon - d) / horizon;
        const why =
            `lifecycle rule: Cool after ${cool === Infinity ? "never" : cool} d, Cold after ${cold === Infinity ? "never" : cold} d; ` +
            `data assumed written at a constant rate over ${horizon} d` +
            (archive ? " (the Archive action is ignored: Archive is not priced)" : "");
        return { split, why };
    };

    const diskLine = (
        r: PlanResource,
        sku: string | undefined,
        sizeGiB: number | undefined,
        count: NodeCount | undefined,
        label: string,
    ): void => {
        if (!sku) {
            unpriced.push({ urn: r.urn, type: r.type, reason: `${label}: disk SKU not set` });
            return;
        }
        const size = sizeGiB ?? 0;
        const tier = diskTier(sku, size);
        if (!tier) {
            unpriced.push({ urn: r.urn, type: r.type, reason: `${label}: no price for disk ${sku} of ${size} GiB` });
            return;
        }
        const n = count ?? { min: 1, max: 1, expected: 1, assumption: "1 disk" };
        addLine(r, "disk", `${sku}-${tier}`, regionOf(r), n, `${label}: ${sku} ${size} GiB billed as ${tier}; ${n.assumption}`, "disk");
    };

    const poolLines = (r: PlanResource, p: Obj, label: string): void => {
        const n = poolNodes(p);
        const vmSize = str(p.vmSize);
        const qty = { expected: n.expected * hours, min: n.min * hours, max: n.max * hours };
        if (!vmSize) {
            unpriced.push({ urn: r.urn, type: r.type, reason: `${label}: vmSize not set` });
        } else if (str(p.scaleSetPriority) === "Spot") {
            const d = (usage("spotDiscount") as { expected: number; best: number } | undefined) ?? { expected: 0, best: 0 };
            const pct = (x: number) => `${Math.round(x * 100)}%`;
            addLine(
                r,
                "vm",
                vmSize,
                regionOf(r),
                qty,
                `${label}: Spot, ${n.assumption} x ${hours} h at pay-as-you-go - ${pct(d.expected)} (spotDiscount; idle end ${pct(d.best)} off, busy end at pay-as-you-go)`,
                "VM size",
                { expected: 1 - d.expected, min: 1 - d.best, max: 1 },
            );
        } else {
            addLine(r, "vm", vmSize, regionOf(r), qty, `${label}: ${n.assumption} x ${hours} h`, "VM size");
        }
        if (str(p.osDiskType) === "Managed") {
            assumptions.add("AKS managed OS disks are priced as Premium SSD (LRS) of osDiskSizeGB (default 128 GiB).");
            diskLine(r, "Premium_LRS", num(p.osDiskSizeGB) ?? 128, n, `${label} OS disks`);
        }
    };

    const cosmosAccountOf = (r: PlanResource): PlanResource | undefined =>
        plan.resources.find(
            (a) =>
                a.type === "azure-native:cosmosdb:DatabaseAccount" &&
                (dependsOnUrn(r, a) || (str(r.inputs.accountName) !== undefined && r.inputs.accountName === a.inputs.accountName)),
        );
    const cosmosRegions = (a: PlanResource | undefined): string[] => {
        const locs = arr(a?.inputs.locations)
            .map((l) => str(obj(l).locationName))
            .filter((l): l is string => !!l);
        return locs.length ? locs : [a ? regionOf(a) : opts.location];
    };
    const cosmosThroughput = (r: PlanResource): void => {
        const options = obj(r.inputs.options);
        const maxRu = num(obj(options.autoscaleSettings).maxThroughput);
        if (maxRu === undefined) {
            if (num(options.throughput) !== undefined)
                unpriced.push({
                    urn: r.urn,
                    type: r.type,
                    reason: "manual (non-autoscale) provisioned throughput is not in the price table",
                });
            else
                free.push({
                    urn: r.urn,
                    type: r.type,
                    reason: "no dedicated throughput (serverless account or shared database throughput)",
                });
            return;
        }
        const acct = cosmosAccountOf(r);
        if (acct?.inputs.enableMultipleWriteLocations === true) {
            unpriced.push({ urn: r.urn, type: r.type, reason: "multi-region write autoscale throughput is not in the price table" });
            return;
        }
        const regions = cosmosRegions(acct);
        const perHour = { min: (maxRu * 0.1) / 100, max: maxRu / 100, expected: (maxRu * 0.55) / 100 };
        for (const reg of regions) {
            addLine(
                r,
                "cosmos",
                "autoscale",
                reg,
                { expected: perHour.expected * hours, min: perHour.min * hours, max: perHour.max * hours },
                `autoscale ${maxRu * 0.1}..${maxRu} RU/s, expected = midpoint ${maxRu * 0.55} RU/s, x ${hours} h in ${normRegion(reg)} (one of ${regions.length} region(s))`,
                "Cosmos DB autoscale",
            );
        }
    };

    for (const r of plan.resources) {
        if (r.component) continue;
        const inp = r.inputs;
        const freeReason = FREE_TYPES[r.type] ?? FREE_PREFIXES.find(([p]) => r.type.startsWith(p))?.[1];
        if (freeReason) {
            free.push({ urn: r.urn, type: r.type, reason: freeReason });
            if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
                assumptions.add(
                    "A PersistentVolumeClaim bound by a CSI StorageClass creates a billed Azure disk that is not in the plan and not priced here.",
                );
            }
            continue;
        }
        switch (r.type) {
            case "azure-native:containerservice:ManagedCluster": {
                const tier = str(obj(inp.sku).tier) ?? "Free";
                addLine(
                    r,
                    "aks",
                    tier,
                    regionOf(r),
                    { expected: hours },
                    `AKS ${tier} tier x ${hours} h${obj(inp.sku).tier ? "" : " (tier not set: Azure's default Free)"}`,
                    "AKS tier",
                );
                arr(inp.agentPoolProfiles)
                    .map(obj)
                    .forEach((p, i) => poolLines(r, p, `pool ${str(p.name) ?? i}`));
                break;
            }
            case "azure-native:containerservice:AgentPool":
                poolLines(r, inp, `pool ${str(inp.agentPoolName) ?? r.name}`);
                break;
            case "azure-native:compute:VirtualMachine": {
                const vmSize = str(obj(inp.hardwareProfile).vmSize);
                const shutdown = plan.resources.find(
                    (s) =>
                        s.type === "azure-native:devtestlab:GlobalSchedule" &&
                        dependsOnUrn(s, r) &&
                        s.inputs.taskType === "ComputeVmShutdownTask" &&
                        s.inputs.status !== "Disabled",
                );
                if (!vmSize) unpriced.push({ urn: r.urn, type: r.type, reason: "hardwareProfile.vmSize not set" });
                else if (shutdown) {
                    const on = (usage("vmHoursPerMonthWithDailyShutdown") as number | undefined) ?? hours;
                    const at = str(obj(shutdown.inputs.dailyRecurrence).time) ?? "?";
                    addLine(
                        r,
                        "vm",
                        vmSize,
                        regionOf(r),
                        { expected: on, min: 0, max: hours },
                        `1 VM, stopped daily at ${at} (${str(shutdown.inputs.timeZoneId) ?? "UTC"}) by ${shutdown.name}: ${on} h (vmHoursPerMonthWithDailyShutdown; range 0..${hours} h)`,
                        "VM size",
                    );
                } else addLine(r, "vm", vmSize, regionOf(r), { expected: hours }, `1 VM x ${hours} h`, "VM size");
                const storage = obj(inp.storageProfile);
                const os = obj(storage.osDisk);
                const osSku = str(obj(os.managedDisk).storageAccountType);
                if (osSku) {
                    if (num(os.diskSizeGB) === undefined)
                        assumptions.add("A VM OS disk without diskSizeGB is priced at 30 GiB (the usual Linux image size).");
                    diskLine(r, osSku, num(os.diskSizeGB) ?? 30, undefined, "OS disk");
                }
                arr(storage.dataDisks)
                    .map(obj)
                    .filter((d) => d.createOption === "Empty")
                    .forEach((d, i) =>
                        diskLine(
                            r,
                            str(obj(d.managedDisk).storageAccountType),
                            num(d.diskSizeGB),
                            undefined,
                            `data disk ${num(d.lun) ?? i}`,
                        ),
                    );
                break;
            }
            case "azure-native:compute:Disk":
                diskLine(r, str(obj(inp.sku).name), num(inp.diskSizeGB), undefined, "disk");
                break;
            case "azure-native:storage:StorageAccount": {
                const sku = str(obj(inp.sku).name) ?? "";
                const m = /^Standard_(LRS|ZRS|GRS|RAGRS|GZRS|RAGZRS)$/.exec(sku);
                if (!m) {
                    unpriced.push({ urn: r.urn, type: r.type, reason: `no price for storage SKU '${sku || "(not set)"}'` });
                    break;
                }
                if (r !== dataAccount) {
                    addLine(
                        r,
                        "blob",
                        `${m[1]}-Hot`,
                        regionOf(r),
                        { expected: 0 },
                        `no data volume assigned (the ${opts.dataTb} TB are assigned to ${dataAccount?.name})`,
                        "blob storage",
                    );
                    break;
                }
                const gb = opts.dataTb * 1024;
                const { split, why } = tierSplit(r);
                assumptions.add(
                    `Blob data: ${opts.dataTb} TB (x 1024 GB) in storage account ${r.name}; ${why}; previous versions and soft-deleted blobs are not included.`,
                );
                for (const [tier, share] of Object.entries(split)) {
                    if (share <= 0) continue;
                    addLine(
                        r,
                        "blob",
                        `${m[1]}-${tier}`,
                        regionOf(r),
                        { expected: gb * share },
                        `${(share * 100).toFixed(1)}% of ${gb} GB in ${tier} (${why})`,
                        "blob storage",
                    );
                }
                break;
            }
            case "azure-native:cosmosdb:DatabaseAccount": {
                const serverless = arr(inp.capabilities).some((c) => obj(c).name === "EnableServerless");
                const regions = cosmosRegions(r);
                const gb = (usage("cosmosStorageGb") as number | undefined) ?? 10;
                if (serverless) {
                    const mru = (usage("cosmosServerlessMillionRuPerMonth") as number | undefined) ?? 50;
                    addLine(
                        r,
                        "cosmos",
                        "serverless-ru",
                        regions[0],
                        { expected: mru },
                        `serverless: ${mru} M RU a month (usage assumption)`,
                        "Cosmos DB serverless",
                    );
                }
                const backup = obj(inp.backupPolicy);
                const cont30 = str(backup.type) === "Continuous" && str(obj(backup.continuousModeProperties).tier) === "Continuous30Days";
                for (const reg of regions) {
                    addLine(
                        r,
                        "cosmos",
                        "storage",
                        reg,
                        { expected: gb },
                        `${gb} GB of data in ${normRegion(reg)} (usage assumption)`,
                        "Cosmos DB storage",
                    );
                    if (cont30)
                        addLine(
                            r,
                            "cosmos",
                            "continuous30-backup",
                            reg,
                            { expected: gb },
                            `continuous 30-day backup of ${gb} GB in ${normRegion(reg)}`,
                            "Cosmos DB backup",
                        );
                }
                break;
            }
            case "azure-native:cosmosdb:SqlResourceSqlDatabase":
            case "azure-native:cosmosdb:SqlResourceSqlContainer":
                cosmosThroughput(r);
                break;
            case "azure-native:network:LoadBalancer": {
                const sku = str(obj(inp.sku).name) ?? "Basic";
                if (sku !== "Standard") {
                    unpriced.push({ urn: r.urn, type: r.type, reason: `no price for load balancer SKU '${sku}' (Basic is retired)` });
                    break;
                }
                const rules = arr(inp.loadBalancingRules).length + arr(inp.outboundRules).length;
                if (rules === 0) {
                    addLine(
                        r,
                        "lb",
                        "Standard-first5rules",
                        regionOf(r),
                        { expected: 0 },
                        "no load-balancing or outbound rule: no rule charge",
                        "load balancer",
                    );
                    break;
                }
                addLine(
                    r,
                    "lb",
                    "Standard-first5rules",
                    regionOf(r),
                    { expected: hours },
                    `${rules} rule(s): first 5 included x ${hours} h`,
                    "load balancer",
                );
                if (rules > 5)
                    addLine(
                        r,
                        "lb",
                        "Standard-extra-rule",
                        regionOf(r),
                        { expected: (rules - 5) * hours },
                        `${rules - 5} extra rule(s) x ${hours} h`,
                        "load balancer",
                    );
                const isPublic = arr(inp.frontendIPConfigurations).some((f) => obj(f).publicIPAddress !== undefined);
                if (isPublic) {
                    const share = (usage("lbDataProcessedShareOfDataPerMonth") as number | undefined) ?? 0;
                    const gb = opts.dataTb * 1024 * share;
                    addLine(
                        r,
                        "lb",
                        "Standard-data",
                        regionOf(r),
                        { expected: gb, min: 0, max: gb * 2 },
                        `${gb} GB processed a month = ${share * 100}% of the data volume (usage assumption; range 0..2x)`,
                        "load balancer",
                    );
                }
                break;
            }
            case "azure-native:network:PublicIPAddress": {
                const sku = str(obj(inp.sku).name);
                if (sku !== "Standard")
                    unpriced.push({ urn: r.urn, type: r.type, reason: `no price for public IP SKU '${sku ?? "(not set: Basic)"}'` });
                else addLine(r, "pip", "Standard", regionOf(r), { expected: hours }, `1 Standard IP x ${hours} h`, "public IP");
                break;
            }
            case "azure-native:dbforpostgresql:Server": {
                const sku = obj(inp.sku);
                const name = str(sku.name);
                const ha = str(obj(inp.highAvailability).mode);
                const copies = ha === "ZoneRedundant" || ha === "SameZone" ? 2 : 1;
                const haNote = copies === 2 ? ` x 2 (${ha} HA: the standby's compute and storage are billed too)` : "";
                if (!name) unpriced.push({ urn: r.urn, type: r.type, reason: "sku.name not set" });
                else
                    addLine(
                        r,
                        "pg",
                        name,
                        regionOf(r),
                        { expected: copies * hours },
                        `${str(sku.tier) ?? ""} ${name} x ${hours} h${haNote}`.trim(),
                        "PostgreSQL compute SKU",
                    );
                const gb = num(obj(inp.storage).storageSizeGB) ?? 32;
                addLine(
                    r,
                    "pg",
                    "storage",
                    regionOf(r),
                    { expected: gb * copies },
                    `${gb} GB provisioned storage${haNote}${num(obj(inp.storage).storageSizeGB) === undefined ? " (size not set: 32 GB)" : ""}`,
                    "PostgreSQL storage",
                );
                if (str(obj(inp.backup).geoRedundantBackup) === "Enabled") {
                    addLine(
                        r,
                        "pg",
                        "backup-geo",
                        regionOf(r),
                        { expected: gb },
                        `geo-redundant backup, backup size assumed = provisioned storage (${gb} GB)`,
                        "PostgreSQL backup",
                    );
                } else {
                    assumptions.add(
                        "PostgreSQL locally redundant backups are assumed to fit in the free allowance (100% of provisioned storage).",
                    );
                }
                break;
            }
            case "azure-native:operationalinsights:Workspace": {
                // The rules that send to this workspace: without a container log stream, ingestion is much smaller.
                const rules = plan.resources.filter((d) => d.type === "azure-native:monitor:DataCollectionRule" && dependsOnUrn(d, r));
                const streams = rules.flatMap((d) => arr(d.inputs.dataFlows).flatMap((f) => arr(obj(f).streams))).map(String);
                const withLogs =
                    rules.length === 0 ||
                    streams.some((st) => st === "Microsoft-ContainerInsights-Group-Default" || st.startsWith("Microsoft-ContainerLog"));
                const key = withLogs ? "logAnalyticsGbPerNodePerDay" : "logAnalyticsGbPerNodePerDayWithoutContainerLogs";
                const perNode = (usage(key) as number | undefined) ?? 0.5;
                const cap = num(obj(inp.workspaceCapping).dailyQuotaGb);
                const perDay = (n: number) => (cap !== undefined && cap > 0 ? Math.min(n * perNode, cap) : n * perNode);
                const days = hours / 24;
                addLine(
                    r,
                    "loganalytics",
                    "analytics-ingest",
                    regionOf(r),
                    { expected: perDay(nodes.expected) * days, min: perDay(nodes.min) * days, max: perDay(nodes.max) * days },
                    `${perNode} GB/node/day (${key}) x ${nodes.expected} expected nodes (${nodes.min}..${nodes.max}) x ${days.toFixed(2)} days` +
                        (cap !== undefined && cap > 0 ? `, capped at ${cap} GB/day (workspaceCapping.dailyQuotaGb)` : ", no daily cap"),
                    "Log Analytics ingestion",
                );
                break;
            }
            case "azure-native:network:PrivateEndpoint":
                addLine(
                    r,
                    "privateendpoint",
                    "hour",
                    regionOf(r),
                    { expected: hours },
                    `1 endpoint x ${hours} h; data processed not included`,
                    "private endpoint",
                );
                break;
            case "azure-native:network:PrivateZone":
            case "azure-native:privatedns:PrivateZone":
                addLine(
                    r,
                    "privatedns",
                    "zone",
                    "global",
                    { expected: 1 },
                    "1 hosted zone a month; queries not included",
                    "private DNS zone",
                );
                break;
            default:
                unpriced.push({ urn: r.urn, type: r.type, reason: "no cost model for this resource type" });
        }
    }

    const round = (x: number): number => Math.round(x * 100) / 100;
    const components: Record<string, ComponentTotal> = {};
    let total = 0;
    let totalMin = 0;
    let totalMax = 0;
    for (const l of lines) {
        const c = (components[l.component] ??= { monthlyUsd: 0, monthlyUsdMin: 0, monthlyUsdMax: 0 });
        c.monthlyUsd += l.monthlyUsd;
        c.monthlyUsdMin += l.monthlyUsdMin;
        c.monthlyUsdMax += l.monthlyUsdMax;
        total += l.monthlyUsd;
        totalMin += l.monthlyUsdMin;
        totalMax += l.monthlyUsdMax;
    }
    for (const c of Object.values(components)) {
        c.monthlyUsd = round(c.monthlyUsd);
        c.monthlyUsdMin = round(c.monthlyUsdMin);
        c.monthlyUsdMax = round(c.monthlyUsdMax);
    }
    for (const l of lines) {
        l.monthlyUsd = round(l.monthlyUsd);
        l.monthlyUsdMin = round(l.monthlyUsdMin);
        l.monthlyUsdMax = round(l.monthlyUsdMax);
    }
    for (const k of usedAssumptions) {
        const v = prices.usageAssumptions[k];
        if (v) assumptions.add(`${k} = ${JSON.stringify(v.value)}: ${v.note}`);
    }
    return {
        currency: "USD",
        location: normRegion(opts.location),
        dataTb: opts.dataTb,
        hoursPerMonth: hours,
        lines,
        components,
        totalMonthlyUsd: round(total),
        totalMonthlyUsdMin: round(totalMin),
        totalMonthlyUsdMax: round(totalMax),
        unpriced,
        free,
        assumptions: [...assumptions],
    };
}
