import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatPhases, parsePhases, PLAN_PHASES } from "../planner/profile";
import { PLAN_NODE_FLAGS, planNodeArgs } from "../tools/planCommand";

const ROOT = path.resolve(__dirname, "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the loader is CommonJS by necessity
const register = require("../tools/register.cjs") as { compiled(source: string, filename: string): string; CACHE_DIR: string };

describe("the plan command", () => {
    it("npm run plan, npm run bench and the test setup run the same node command", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(pkg.scripts.plan).toBe(`node ${PLAN_NODE_FLAGS.join(" ")} tools/plan.ts`);
        expect(planNodeArgs("/r", ["--stack", "dev"])).toEqual([
            "--max-semi-space-size=64",
            "-r",
            "/r/tools/register.cjs",
            "/r/tools/plan.ts",
            "--stack",
            "dev",
        ]);
    });

    it("the TypeScript loader transpiles per content and reuses its cache, never a stale entry", () => {
        const file = path.join(os.tmpdir(), "register-test.ts");
        const a = `export const x: number = ${Date.now()};\n`;
        const js = register.compiled(a, file);
        expect(js).toContain("exports.x =");
        expect(js).not.toContain(": number");
        // The cache entry is what a second load returns (no second transpile).
        const entry = fs
            .readdirSync(register.CACHE_DIR)
            .map((f) => path.join(register.CACHE_DIR, f))
            .find((f) => fs.readFileSync(f, "utf8") === js)!;
        fs.writeFileSync(entry, `${js}// cached\n`);
        expect(register.compiled(a, file)).toContain("// cached");
        // Changed source: a different key, so the old output is not served.
        expect(register.compiled(a.replace("number", "any"), file)).not.toContain("// cached");
        fs.rmSync(entry);
    });

    it("phase lines round-trip", () => {
        const phases = PLAN_PHASES.map((name, i) => ({ name, wallMs: 10 * i, cpuMs: i }));
        expect(parsePhases(`noise\n${formatPhases(phases)}\nplan-maxrss-kb=1`)).toEqual(phases);
    });

    it("--profile reports every phase of a plan, in order, on stderr", () => {
        const r = spawnSync(process.execPath, planNodeArgs(ROOT, ["--stack", "dev", "--quiet", "--profile"]), {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(r.status).toBe(0);
        expect(parsePhases(r.stderr).map((p) => p.name)).toEqual([...PLAN_PHASES]);
    }, 120_000);
});
