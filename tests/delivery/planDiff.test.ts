import { execFileSync, spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import type { Plan, PlanResource } from "../../planner/types";
import { formatPath, parsePath } from "../../lib/propertyPaths";
import { diffPlans } from "../../planner/planDiff";
import { renderMarkdown } from "../../planner/planDiffMarkdown";
import { planResource } from "../helpers/plans";

const ROOT = path.resolve(__dirname, "../..");
const FIX = path.join(__dirname, "fixtures");
const load = (f: string): Plan => JSON.parse(readFileSync(path.join(FIX, f), "utf8")) as Plan;

const base = load("base.json");
const head = load("head.json");
const diff = diffPlans(base, head);
const md = renderMarkdown(diff);

const names = (rs: { name: string }[]) => rs.map((r) => r.name).sort();

describe("diffPlans on the fixture plans", () => {
    test("added and removed resources are found by URN", () => {
        expect(names(diff.added)).toEqual(["lock", "pachyderm-container"]);
        expect(names(diff.removed)).toEqual(["cosmos-db", "pachyderm-data"]);
    });

    test("changed resources list their changed input paths; unchanged secrets are not a change", () => {
        expect(names(diff.changed)).toEqual(["etcd-0", "ingress", "pachyderm-values", "storage"]);
        const storage = diff.changed.find((c) => c.name === "storage")!;
        expect(storage.inputChanges.map((c) => c.path).sort()).toEqual(["sku.name", "tags.owner"]);
        // Standard_LRS -> Standard_GZRS is a redundancy conversion, not a replacement.
        expect(storage.replaceReasons).toEqual([]);
        expect(diff.changed.find((c) => c.name === "postgres")).toBeUndefined();
    });

    test("option changes (provider, dependsOn) count as changes", () => {
        const cm = diff.changed.find((c) => c.name === "pachyderm-values")!;
        expect(cm.inputChanges).toEqual([]);
        expect(cm.optionChanges.map((o) => o.option).sort()).toEqual(["dependsOn", "provider"]);
    });

    test("stateful resources replaced or removed are flagged, and come first in the Markdown", () => {
        const alerts = diff.statefulAlerts.map((a) => `${a.action}:${a.name}`).sort();
        expect(alerts).toEqual(["removed:cosmos-db", "replaced:etcd-0", "replaced:pachyderm-data"]);
        const disk = diff.statefulAlerts.find((a) => a.name === "etcd-0")!;
        expect(disk.reasons.join(" ")).toContain("zones");
        const caution = md.indexOf("CAUTION");
        expect(caution).toBeGreaterThan(-1);
        expect(caution).toBeLessThan(md.indexOf("to add"));
        expect(caution).toBeLessThan(md.indexOf("#### Changed"));
    });

    test("secret values are never printed, whether marked [secret] or listed in secretInputs of either side", () => {
        const vm = diff.changed.find((c) => c.name === "ingress")!;
        const customData = vm.inputChanges.find((c) => c.path === "osProfile.customData")!;
        expect(customData).toMatchObject({ secret: true, before: "[secret]", after: "[secret]" });
        // The plain (non-secret) base value and the head value must not leak into the report.
        expect(md).not.toContain("I2Nsb3VkLWNvbmZpZyBvbGQ=");
        expect(md).not.toContain("I2Nsb3VkLWNvbmZpZyBuZXc=");
        // Non-secret changes are shown with their values.
        expect(md).toContain("Standard_D4s_v5");
    });

    test("cost delta is rendered from insights.cost.totalMonthlyUsd", () => {
        expect(diff.cost).toEqual({ baseMonthlyUsd: 1234.5, headMonthlyUsd: 1300, deltaMonthlyUsd: 65.5 });
        expect(md).toContain("+$65.50");
        const noInsights = diffPlans({ ...base, insights: undefined }, head);
        expect(noInsights.cost).toBeUndefined();
        expect(renderMarkdown(noInsights)).not.toContain("cost");
    });
});

describe("diffPlans edge cases", () => {
    const res = (over: Partial<PlanResource>): PlanResource =>
        planResource({
            urn: "urn:pulumi:dev::p::azure-native:storage:StorageAccount::st",
            type: "azure-native:storage:StorageAccount",
            name: "st",
            parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
            ...over,
        });
    const plan = (resources: PlanResource[]): Plan => ({ project: "p", stack: "dev", resources, outputs: {}, secretOutputs: [] });

    test("identical plans give no changes", () => {
        const p = plan([res({ inputs: { sku: { name: "Standard_LRS" } } })]);
        const d = diffPlans(p, p);
        expect(d.added.length + d.removed.length + d.changed.length).toBe(0);
        expect(renderMarkdown(d)).toContain("No resource changes.");
    });

    test.each([
        [{ isHnsEnabled: false }, { isHnsEnabled: true }, true],
        [{ encryption: { requireInfrastructureEncryption: false } }, { encryption: { requireInfrastructureEncryption: true } }, true],
        [{ sku: { name: "Standard_LRS" } }, { sku: { name: "Standard_GZRS" } }, false],
        [{ sku: { name: "Standard_LRS" } }, { sku: { name: "Premium_LRS" } }, true],
        [{ kind: "Storage" }, { kind: "StorageV2" }, false],
        [{ location: "westeurope" }, { location: "northeurope" }, true],
        [{ minimumTlsVersion: "TLS1_0" }, { minimumTlsVersion: "TLS1_2" }, false],
    ])("storage account %j -> %j replaced=%s", (before, after, replaced) => {
        const d = diffPlans(plan([res({ inputs: before })]), plan([res({ inputs: after })]));
        expect(d.statefulAlerts.length > 0).toBe(replaced);
    });

    test("a value under a secret path listed only in the base plan is redacted", () => {
        const b = res({ inputs: { connection: { password: "hunter2-old" } }, secretInputs: ["connection.password"] });
        const h = res({ inputs: { connection: { password: "hunter2-new" } } });
        const out = renderMarkdown(diffPlans(plan([b]), plan([h])));
        expect(out).not.toMatch(/hunter2/);
        expect(out).toContain("connection.password");
    });

    test("a whole object replaced where a secret lives below is redacted", () => {
        const b = res({ inputs: { profile: null } });
        const h = res({ inputs: { profile: { key: "s3cr3t" } }, secretInputs: ['profile["key"]'] });
        expect(renderMarkdown(diffPlans(plan([b]), plan([h])))).not.toContain("s3cr3t");
    });

    test("a rename through an alias is a change, not a removal of a stateful resource", () => {
        const b = res({});
        const h = res({ urn: "urn:pulumi:dev::p::azure-native:storage:StorageAccount::storage", name: "storage", aliases: [b.urn] });
        const d = diffPlans(plan([b]), plan([h]));
        expect(d.removed).toEqual([]);
        expect(d.added).toEqual([]);
        expect(d.changed[0]?.previousUrn).toBe(b.urn);
        expect(d.statefulAlerts).toEqual([]);
    });

    test("a stateful resource removed with retainOnDelete is still flagged, with the flag shown", () => {
        const d = diffPlans(plan([res({ retainOnDelete: true })]), plan([]));
        expect(d.statefulAlerts).toMatchObject([{ action: "removed", retainOnDelete: true }]);
        expect(renderMarkdown(d)).toContain("retain");
    });

    test("path helpers", () => {
        expect(parsePath('a.b[0]["c.d"].e')).toEqual(["a", "b", 0, "c.d", "e"]);
        expect(formatPath(["tags", "cost-center"])).toBe('tags["cost-center"]');
    });
});

describe("tools/plan-diff.ts CLI", () => {
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");

    test("prints the Markdown report to stdout", () => {
        const out = execFileSync(tsx, ["tools/plan-diff.ts", path.join(FIX, "base.json"), path.join(FIX, "head.json")], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(out).toBe(md);
    });

    test("fails with usage on a wrong argument count, and on --fail-on-stateful with alerts", () => {
        const bad = spawnSync(tsx, ["tools/plan-diff.ts", "only-one.json"], { cwd: ROOT, encoding: "utf8" });
        expect(bad.status).toBe(2);
        expect(bad.stderr).toContain("usage");
        const strict = spawnSync(
            tsx,
            ["tools/plan-diff.ts", "--fail-on-stateful", path.join(FIX, "base.json"), path.join(FIX, "head.json")],
            {
                cwd: ROOT,
                encoding: "utf8",
            },
        );
        expect(strict.status).toBe(1);
    });
});
