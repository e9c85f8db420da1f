import { keysOf, parse, problems, rawFor } from "./helpers/configFixtures";
import { must } from "./helpers/must";

const on = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe("kubernetesVersion against the AKS support calendar (issue 12 item 2)", () => {
    it("defaults to a minor AKS supports on 2026-12-02 (1.32 was past its end of life)", () => {
        const raw = rawFor("dev");
        expect(raw.kubernetesVersion).toBe("1.36");
        expect(parse(raw).warnings.filter((w) => w.includes("kubernetesVersion"))).toEqual([]);
    });

    it("refuses a minor past its end of life, saying which minors are supported", () => {
        const p = problems(rawFor("dev", { kubernetesVersion: "1.34" }));
        expect(p.map((x) => x.key)).toEqual(["kubernetesVersion"]);
        expect(must(p[0], "the problem").message).toMatch(
            /1\.34 reached its AKS end of life on 2026-11-30.*supported: 1\.35, 1\.36, 1\.37/,
        );
        expect(keysOf(rawFor("dev", { kubernetesVersion: "1.32.4" }))).toEqual(["kubernetesVersion"]);
    });

    it("refuses a minor the calendar does not know (or not yet GA)", () => {
        expect(keysOf(rawFor("dev", { kubernetesVersion: "1.38" }))).toEqual(["kubernetesVersion"]);
        expect(keysOf(rawFor("dev", { kubernetesVersion: "1.37" }), "dev", on("2026-09-15"))).toEqual(["kubernetesVersion"]);
    });

    it("warns within 60 days of the end of life, and does not refuse", () => {
        const cfg = parse(rawFor("dev", { kubernetesVersion: "1.35" }), "dev", on("2027-02-15"));
        const aksWarnings = (w: string[]) => w.filter((x) => x.includes("kubernetesVersion"));
        expect(aksWarnings(cfg.warnings)).toEqual([
            "kubernetesVersion 1.35 reaches its AKS end of life on 2027-03-31 (44 days): plan the upgrade",
        ]);
        expect(aksWarnings(parse(rawFor("dev", { kubernetesVersion: "1.35" }), "dev", on("2027-01-29")).warnings)).toEqual([]);
    });

    it("accepts a minor past community support under LTS: Premium tier and AKSLongTermSupport, until the LTS end of life", () => {
        const lts = { kubernetesVersion: "1.32", aksTier: "Premium", aksSupportPlan: "AKSLongTermSupport" };
        expect(parse(rawFor("dev", lts)).aks.supportPlan).toBe("AKSLongTermSupport");
        expect(keysOf(rawFor("dev", lts), "dev", on("2027-04-01"))).toEqual(["kubernetesVersion"]);
        expect(keysOf(rawFor("dev", { ...lts, aksSupportPlan: "KubernetesOfficial" }))).toEqual(["kubernetesVersion"]);
        // LTS needs Premium: with Standard the plan is refused, and the community end of life applies.
        expect(keysOf(rawFor("dev", { ...lts, aksTier: "Standard" })).sort()).toEqual(["aksSupportPlan", "kubernetesVersion"]);
    });
});
