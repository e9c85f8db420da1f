/** The price table (insights/prices.json, sources and dates per meter) and its look-ups. */
import pricesJson from "../prices.json";

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

/** Normalises "West Europe" / "westeurope" / "west_europe" to "westeurope". */
export function normRegion(s: string): string {
    return s.toLowerCase().replace(/[\s_-]/g, "");
}

export interface Priced {
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
