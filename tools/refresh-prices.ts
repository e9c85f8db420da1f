/**
 * refresh-prices: regenerate insights/prices.json from the Azure Retail Prices API.
 *
 * Usage (needs network access to https://prices.azure.com):
 *
 *     npx tsx tools/refresh-prices.ts                        # refresh the base-region and flat meters in place
 *     npx tsx tools/refresh-prices.ts --regions westeurope,northeurope
 *                                                            # also write explicit meters for these regions
 *                                                            # (they then replace the estimated multiplier)
 *     npx tsx tools/refresh-prices.ts --dry-run              # print the changes, do not write
 *     npx tsx tools/refresh-prices.ts --file other.json --timeout 20000
 *
 * For every meter in the file that has a `retail.filter` (an OData `$filter` with `{region}` standing
 * for the ARM region name), the script queries
 *
 *     https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&$filter=<filter>
 *
 * follows `NextPageLink` until the last page, keeps USD pay-as-you-go (`type eq 'Consumption'`) items
 * whose product/sku/meter names contain none of `retail.exclude`, and, if exactly one distinct price
 * remains, sets `usd`, `source` (the query URL), `asOf` (today) and a note with the API's
 * `unitOfMeasure`. Meters with no match or an ambiguous match keep their value and are reported: fix
 * their filter rather than guessing. Meters keyed `*` (same price everywhere) are queried in the base
 * region. Each request has a timeout (default 15 s); when the API cannot be reached the script stops
 * with a clear message and exit code 2, leaving the file untouched.
 *
 * Check the units on the first run: the API's unitOfMeasure (e.g. "1 Hour", "1/Month", "1 GB/Month",
 * "100/Hour", "1M") must match the meter's `unit`; the script prints both side by side.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

interface RetailItem {
    currencyCode: string;
    retailPrice: number;
    unitOfMeasure: string;
    armRegionName: string;
    productName: string;
    skuName: string;
    meterName: string;
    type: string;
    effectiveStartDate?: string;
}

interface RetailPage {
    Items: RetailItem[];
    NextPageLink: string | null;
}

interface Meter {
    unit: string;
    usd: number;
    source: string;
    asOf: string;
    note?: string;
    retail?: { filter: string; exclude?: string[] };
}

interface PriceFile {
    baseRegion: string;
    meters: Record<string, Meter>;
    [k: string]: unknown;
}

const API = "https://prices.azure.com/api/retail/prices";

export class OfflineError extends Error {}

function parseArgs(argv: string[]): { file: string; regions: string[]; dryRun: boolean; timeoutMs: number; maxPages: number } {
    const get = (name: string): string | undefined => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    return {
        file: resolve(get("--file") ?? "insights/prices.json"),
        regions: (get("--regions") ?? "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        dryRun: argv.includes("--dry-run"),
        timeoutMs: Number(get("--timeout") ?? 15000),
        maxPages: Number(get("--max-pages") ?? 50),
    };
}

/** GETs one page, with a timeout; network failures become OfflineError. */
async function getPage(url: string, timeoutMs: number): Promise<RetailPage> {
    // A plain (ref'd) timer, unlike AbortSignal.timeout, also keeps the process alive until it fires.
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
        let res: Response;
        try {
            res = await fetch(url, { signal: ctl.signal, headers: { accept: "application/json" } });
        } catch (e) {
            const why =
                e instanceof Error ? `${e.message}${e.cause ? ` (${String((e.cause as Error).message ?? e.cause)})` : ""}` : String(e);
            throw new OfflineError(`cannot reach ${API}: ${why}`);
        }
        if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
        return (await res.json()) as RetailPage;
    } finally {
        clearTimeout(timer);
    }
}

/** All items of a filter, following NextPageLink. */
export async function fetchAll(filter: string, timeoutMs: number, maxPages = 50): Promise<{ url: string; items: RetailItem[] }> {
    const url = `${API}?api-version=2023-01-01-preview&$filter=${encodeURIComponent(filter)}`;
    const items: RetailItem[] = [];
    let next: string | null = url;
    for (let page = 0; next && page < maxPages; page++) {
        const p: RetailPage = await getPage(next, timeoutMs);
        items.push(...p.Items);
        next = p.NextPageLink;
    }
    return { url, items };
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const doc = JSON.parse(readFileSync(args.file, "utf8")) as PriceFile;
    const today = new Date().toISOString().slice(0, 10);
    const out: Record<string, Meter> = { ...doc.meters };
    const problems: string[] = [];
    let changed = 0;

    const jobs: { key: string; region: string; meter: Meter }[] = [];
    for (const [key, meter] of Object.entries(doc.meters)) {
        if (!meter.retail) continue;
        const [kind, sku, region = ""] = key.split("|");
        jobs.push({ key, region: region === "*" ? doc.baseRegion : region, meter });
        if (region === doc.baseRegion) {
            for (const r of args.regions) jobs.push({ key: `${kind}|${sku}|${r}`, region: r, meter });
        }
    }

    for (const job of jobs) {
        const retail = job.meter.retail!;
        const filter = `${retail.filter.replaceAll("{region}", job.region)} and currencyCode eq 'USD'`;
        const { url, items } = await fetchAll(filter, args.timeoutMs, args.maxPages);
        const excluded = (i: RetailItem): boolean =>
            (retail.exclude ?? []).some((x) => [i.productName, i.skuName, i.meterName].some((n) => n.includes(x)));
        const kept = items.filter((i) => i.type === "Consumption" && !excluded(i));
        const distinct = [...new Set(kept.map((i) => i.retailPrice))];
        const item = kept[0];
        if (distinct.length !== 1 || !item) {
            problems.push(`${job.key}: ${distinct.length ? `ambiguous (${distinct.join(", ")})` : "no match"} for ${filter}`);
            continue;
        }
        const prev = out[job.key];
        if (!prev || prev.usd !== item.retailPrice) changed++;
        console.log(
            `${job.key}: ${prev?.usd ?? "(new)"} -> ${item.retailPrice} USD per '${item.unitOfMeasure}' (table unit: ${job.meter.unit})`,
        );
        out[job.key] = {
            ...job.meter,
            usd: item.retailPrice,
            source: url,
            asOf: today,
            note: `Azure Retail Prices API: ${item.productName} / ${item.skuName} / ${item.meterName}, unitOfMeasure '${item.unitOfMeasure}'`,
        };
    }

    for (const p of problems) console.error(`warning: ${p}`);
    console.log(`${changed} price(s) changed, ${problems.length} meter(s) left as they were.`);
    if (!args.dryRun) {
        writeFileSync(args.file, JSON.stringify({ ...doc, meters: out }, null, 2) + "\n");
        console.log(`wrote ${args.file}`);
    }
    return problems.length ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            if (e instanceof OfflineError) {
                console.error(
                    `refresh-prices: ${e.message}.\nThis script needs network access to prices.azure.com; prices.json was left unchanged.`,
                );
                process.exit(2);
            }
            console.error(`refresh-prices: ${e instanceof Error ? e.message : String(e)}`);
            process.exit(1);
        },
    );
}
