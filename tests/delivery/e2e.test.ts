/** The e2e runner's offline parts: naming, config derivation, and the clean skip when prerequisites are missing. */
import { spawnSync } from "child_process";
import * as path from "path";
import { e2eConfig, e2eNamePrefix, e2eStackName } from "../e2e/run";
import { must } from "../helpers/must";

const ROOT = path.resolve(__dirname, "../..");

test("throwaway stack names and name prefixes are unique per run and valid", () => {
    const t = new Date("2025-03-04T05:06:07.890Z");
    expect(e2eStackName(t)).toBe("e2e-20250304t050607");
    const prefix = e2eNamePrefix(t);
    expect(prefix).toMatch(/^[a-z][a-z0-9]{2,9}$/);
    expect(e2eNamePrefix(new Date(t.getTime() + 1000))).not.toBe(prefix);
});

test("config is the dev stack's, with a unique namePrefix and the runner's API CIDR", () => {
    const cfg = e2eConfig("e2eabc1234", ["192.0.2.10/32"]);
    expect(cfg["pachyderm-azure:namePrefix"]).toEqual({ value: "e2eabc1234" });
    expect(cfg["pachyderm-azure:environment"]).toEqual({ value: "dev" });
    expect(JSON.parse(must(cfg["pachyderm-azure:aksAuthorizedIpRanges"], "aksAuthorizedIpRanges").value)).toContain("192.0.2.10/32");
    expect(cfg["pachyderm-azure:location"]).toBeDefined();
    for (const v of Object.values(cfg)) expect(typeof v.value).toBe("string");
});

test("without the Pulumi CLI it prints a skipping line and exits 0", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "tests/e2e/run.ts"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PATH: "/nonexistent" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^skipping: the Pulumi CLI is not installed/m);
});
