/**
 * The AKS Kubernetes release calendar: which minor versions AKS supports on a given day.
 *
 * Source: "Supported Kubernetes versions in AKS", AKS Kubernetes release calendar and LTS versions tables,
 * https://learn.microsoft.com/azure/aks/supported-kubernetes-versions#aks-kubernetes-release-calendar
 * (MicrosoftDocs/azure-aks-docs, articles/aks/supported-kubernetes-versions.md, ms.date 08/05/2026),
 * read on 2026-12-02. The page gives months; "unless an explicit date is provided, the End of Life (EOL)
 * date is the last day of the specified month" (same page), which is how the dates below are written.
 * Refresh this table when AKS publishes a new minor: a minor that is not listed is "unknown" and refused.
 *
 * Long-term support: "Enabling LTS requires moving your cluster to the Premium tier and explicitly
 * selecting the LTS support plan", and a new cluster may use an LTS version after community support ended,
 * until the LTS end of life (https://learn.microsoft.com/azure/aks/long-term-support, FAQ).
 */

interface AksMinorSupport {
    /** Month AKS made the minor generally available (the page gives the month only). */
    ga: string;
    /** Last day of community support (ISO date). */
    endOfLife: string;
    /** Last day of long-term support (Premium tier + AKSLongTermSupport plan), ISO date. */
    lts?: string;
    source: string;
}

const SOURCE =
    "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions#aks-kubernetes-release-calendar (ms.date 08/05/2026, read 2026-12-02)";

export const AKS_SUPPORT_CALENDAR: Readonly<Record<string, AksMinorSupport>> = {
    "1.29": { ga: "2024-03", endOfLife: "2025-03-31", lts: "2026-04-30", source: SOURCE },
    "1.30": { ga: "2024-07", endOfLife: "2025-08-22", lts: "2026-07-31", source: SOURCE },
    "1.31": { ga: "2024-11", endOfLife: "2025-11-01", lts: "2026-11-30", source: SOURCE },
    "1.32": { ga: "2025-04", endOfLife: "2026-03-31", lts: "2027-03-31", source: SOURCE },
    "1.33": { ga: "2025-06", endOfLife: "2026-07-31", lts: "2027-07-31", source: SOURCE },
    "1.34": { ga: "2025-11", endOfLife: "2026-11-30", lts: "2027-11-30", source: SOURCE },
    "1.35": { ga: "2026-03", endOfLife: "2027-03-31", lts: "2028-03-31", source: SOURCE },
    "1.36": { ga: "2026-06", endOfLife: "2027-06-30", lts: "2028-06-30", source: SOURCE },
    "1.37": { ga: "2026-10", endOfLife: "2027-10-31", lts: "2028-10-31", source: SOURCE },
};

/** The plan warns this many days (or fewer) before a minor's end of life. */
export const AKS_EOL_WARNING_DAYS = 60;

type AksSupportState = "supported" | "warn" | "expired" | "unknown";

interface AksSupportStatus {
    state: AksSupportState;
    /** The end of life that applies (the LTS one with `longTermSupport`). */
    endOfLife?: string;
    /** Whole days from `today` (UTC) to the end of life; negative once past. */
    daysLeft?: number;
}

/** "1.35" from "1.35" or "1.35.4"; undefined for anything else. */
export function aksMinorOf(version: string): string | undefined {
    return /^(\d+\.\d+)(\.\d+)?$/.exec(version)?.[1];
}

const DAY_MS = 86_400_000;
const utcDay = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

/**
 * Support state of an AKS minor (or full version) on `today`. With `longTermSupport` (Premium tier and
 * the AKSLongTermSupport plan) the LTS end of life applies. A minor that is not in the calendar, or not
 * yet GA on `today`, is "unknown".
 */
export function aksSupportStatus(minor: string, today: Date, opts: { longTermSupport?: boolean } = {}): AksSupportStatus {
    const key = aksMinorOf(minor);
    const entry = key === undefined ? undefined : AKS_SUPPORT_CALENDAR[key];
    if (!entry || utcDay(today) < Date.parse(`${entry.ga}-01T00:00:00Z`)) return { state: "unknown" };
    const endOfLife = opts.longTermSupport && entry.lts ? entry.lts : entry.endOfLife;
    const daysLeft = Math.round((Date.parse(`${endOfLife}T00:00:00Z`) - utcDay(today)) / DAY_MS);
    const state: AksSupportState = daysLeft < 0 ? "expired" : daysLeft <= AKS_EOL_WARNING_DAYS ? "warn" : "supported";
    return { state, endOfLife, daysLeft };
}
