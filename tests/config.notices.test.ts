import { diffPlans } from "../planner/planDiff";
import { renderMarkdown } from "../planner/planDiffMarkdown";
import { configNotices, loadStackConfig } from "../planner";
import { formatConfigNotices } from "../planner/format";
import { Plan } from "../planner/types";

/** The plan and the PR plan diff show the config's warnings and every prod waiver in force. */
const plan = (waivers: { name: string; reason: string }[], warnings: string[] = []): Plan => ({
    project: "pachyderm-azure",
    stack: "prod",
    resources: [],
    outputs: {},
    secretOutputs: [],
    config: { environment: "prod", warnings, waivers },
});

describe("config notices in the plan and the plan diff", () => {
    it("the committed prod stack plans with its one waiver listed", () => {
        const n = configNotices(loadStackConfig("prod"), "prod", new Date("2026-12-02"));
        expect(n.waivers.map((w) => w.name)).toEqual(["placeholder-source-ranges"]);
        expect(formatConfigNotices(plan(n.waivers)).join("\n")).toMatch(
            /prod waivers in force \(1\):\n {2}- placeholder-source-ranges: template stack/,
        );
    });

    it("the plan prints the AKS end-of-life warning when due", () => {
        const n = configNotices(loadStackConfig("dev", undefined, { kubernetesVersion: "1.35" }), "dev", new Date("2027-02-15"));
        expect(formatConfigNotices({ ...plan([]), config: n }).join("\n")).toMatch(
            /WARNING: kubernetesVersion 1\.35 reaches its AKS end of life on 2027-03-31 \(44 days\)/,
        );
    });

    it("the PR diff lists new, kept and removed waivers", () => {
        const base = plan([
            { name: "cosmos-single-region", reason: "r1" },
            { name: "storage-shared-key", reason: "r2" },
        ]);
        const head = plan([
            { name: "storage-shared-key", reason: "r2" },
            { name: "postgres-in-cluster", reason: "r3" },
        ]);
        const d = diffPlans(base, head);
        expect(d.waivers).toEqual([
            { name: "storage-shared-key", reason: "r2", status: "kept" },
            { name: "postgres-in-cluster", reason: "r3", status: "new" },
            { name: "cosmos-single-region", reason: "r1", status: "removed" },
        ]);
        const md = renderMarkdown(d);
        expect(md).toMatch(/prod baseline waivers in force: 2/);
        expect(md).toContain("| `postgres-in-cluster` | new | r3 |");
        expect(renderMarkdown(diffPlans(plan([]), plan([])))).not.toMatch(/waivers/);
    });
});
