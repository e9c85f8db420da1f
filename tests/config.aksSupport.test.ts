import { AKS_EOL_WARNING_DAYS, AKS_SUPPORT_CALENDAR, aksMinorOf, aksSupportStatus } from "../lib/aksSupport";

/** The day the calendar was read (and the day issue 12 names as "today"). */
const READ_ON = new Date("2026-12-02T09:00:00Z");
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe("AKS support calendar (learn.microsoft.com supported-kubernetes-versions, read 2026-12-02)", () => {
    it("holds the dates the page gives: month ends unless the page names a day", () => {
        // Explicit dates on the page: 1.30 "Aug 22, 2025", 1.31 "Nov 1, 2025".
        const explicit: Record<string, string> = { "1.30": "2025-08-22", "1.31": "2025-11-01" };
        for (const [minor, e] of Object.entries(AKS_SUPPORT_CALENDAR)) {
            for (const d of [e.endOfLife, e.lts].filter((x): x is string => !!x)) {
                expect(Number.isNaN(Date.parse(d))).toBe(false);
                if (d === explicit[minor]) continue;
                const next = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000);
                expect({ minor, d, lastDayOfMonth: next.getUTCDate() === 1 }).toEqual({ minor, d, lastDayOfMonth: true });
            }
            expect(e.source).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\/aks\/supported-kubernetes-versions/);
        }
        expect(AKS_SUPPORT_CALENDAR["1.32"]).toMatchObject({ ga: "2025-04", endOfLife: "2026-03-31", lts: "2027-03-31" });
        expect(AKS_SUPPORT_CALENDAR["1.36"]).toMatchObject({ ga: "2026-06", endOfLife: "2027-06-30", lts: "2028-06-30" });
    });

    it("on 2026-12-02: 1.32-1.34 expired, 1.35-1.37 supported", () => {
        const states = Object.fromEntries(Object.keys(AKS_SUPPORT_CALENDAR).map((m) => [m, aksSupportStatus(m, READ_ON).state]));
        expect(states).toEqual({
            "1.29": "expired",
            "1.30": "expired",
            "1.31": "expired",
            "1.32": "expired",
            "1.33": "expired",
            "1.34": "expired",
            "1.35": "supported",
            "1.36": "supported",
            "1.37": "supported",
        });
        expect(aksSupportStatus("1.35", READ_ON)).toEqual({ state: "supported", endOfLife: "2027-03-31", daysLeft: 119 });
    });

    it("warns within 60 days of the end of life, on the last day too, and expires the day after", () => {
        expect(AKS_EOL_WARNING_DAYS).toBe(60);
        expect(aksSupportStatus("1.35", day("2027-01-29")).state).toBe("supported");
        expect(aksSupportStatus("1.35", day("2027-01-30"))).toEqual({ state: "warn", endOfLife: "2027-03-31", daysLeft: 60 });
        expect(aksSupportStatus("1.35.7", day("2027-03-31"))).toEqual({ state: "warn", endOfLife: "2027-03-31", daysLeft: 0 });
        expect(aksSupportStatus("1.35", day("2027-04-01"))).toEqual({ state: "expired", endOfLife: "2027-03-31", daysLeft: -1 });
    });

    it("applies the LTS end of life only with long-term support (Premium tier + AKSLongTermSupport)", () => {
        expect(aksSupportStatus("1.32", READ_ON).state).toBe("expired");
        expect(aksSupportStatus("1.32", READ_ON, { longTermSupport: true })).toEqual({
            state: "supported",
            endOfLife: "2027-03-31",
            daysLeft: 119,
        });
        expect(aksSupportStatus("1.31", READ_ON, { longTermSupport: true }).state).toBe("expired");
    });

    it("calls minors outside the calendar, not yet GA, or malformed unknown", () => {
        expect(aksSupportStatus("1.38", READ_ON)).toEqual({ state: "unknown" });
        expect(aksSupportStatus("1.37", day("2026-09-30"))).toEqual({ state: "unknown" });
        expect(aksSupportStatus("1.37", day("2026-10-01")).state).toBe("supported");
        expect(aksSupportStatus("latest", READ_ON)).toEqual({ state: "unknown" });
        expect(aksMinorOf("1.36.2")).toBe("1.36");
        expect(aksMinorOf("1.36.2.1")).toBeUndefined();
    });
});
