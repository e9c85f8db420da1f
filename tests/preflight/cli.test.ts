import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHECKS } from "../../preflight/checks";
import { AUTHORIZED, fakeEnv, Scenario, TODAY_ARG } from "./helpers";

/** `npm run preflight` as a user runs it: tools/preflight.ts in its own process, the fake `az` on the PATH. */

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-cli-"));
const AUTH = `aksAuthorizedIpRanges=${JSON.stringify(AUTHORIZED)}`;

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}
function preflight(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
    return new Promise((resolve) => {
        execFile(TSX, [path.join(ROOT, "tools/preflight.ts"), "--today", TODAY_ARG, ...args], { cwd: ROOT, env }, (err, stdout, stderr) => {
            resolve({ code: err ? Number((err as NodeJS.ErrnoException).code) : 0, stdout, stderr });
        });
    });
}
const scenario = (s: Scenario) => fakeEnv(s, home);

// Four processes start at once on a shared 2-core machine: give the first answer room (this is no speed target).
jest.setTimeout(180_000);

let runs: Record<"healthy" | "fail" | "loggedOut" | "noAz", Promise<Run>>;
beforeAll(() => {
    // One process per case, all at once: each loads the program's config code once.
    const markdown = path.join(home, "summary.md");
    runs = {
        healthy: preflight(["--stack", "prod", "--set", AUTH, "--markdown", markdown], scenario("healthy")),
        fail: preflight(["--stack", "prod", "--set", AUTH, "--json", "-"], scenario("fail")),
        loggedOut: preflight(["--stack", "prod", "--json", path.join(home, "out", "report.json")], scenario("logged-out")),
        // Node itself must stay reachable; only az is missing.
        noAz: preflight(["--stack", "dev", "--skip", "role-assignments"], { ...scenario("healthy"), PATH: path.dirname(process.execPath) }),
    };
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const noStackTrace = (r: Run) => expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

test("healthy: one PASS line per check, exit 0, the Markdown table appended", async () => {
    const r = await runs.healthy;
    expect(r.code).toBe(0);
    for (const c of CHECKS) expect(r.stdout).toMatch(new RegExp(`^PASS  ${c.id} +\\S`, "m"));
    const md = fs.readFileSync(path.join(home, "summary.md"), "utf8");
    expect(md).toMatch(/^### Preflight: stack `prod` in westeurope/);
    expect(md.split("\n").filter((l) => l.startsWith("| :white_check_mark: |"))).toHaveLength(CHECKS.length);
});

test("failures: --json - prints the results, every check names its fix, exit 1", async () => {
    const r = await runs.fail;
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.exitCode).toBe(1);
    expect(report.results.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual(CHECKS.map((c) => [c.id, "fail"]));
    for (const x of report.results) expect(x.fix).toMatch(/[a-z]{3,}/);
    // The config key or Azure action is named, e.g.:
    expect(report.results.find((x: { id: string }) => x.id === "aks-version").fix).toMatch(/^kubernetesVersion/);
    expect(report.results.find((x: { id: string }) => x.id === "providers").fix).toMatch(
        /az provider register --namespace Microsoft.ContainerService/,
    );
});

test("not logged in: lists the checks it could not run, writes --json, exit 2, no stack trace", async () => {
    const r = await runs.loggedOut;
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`could not run: ${CHECKS.map((c) => c.id).join(", ")}`));
    expect(r.stdout).toMatch(/fix: az login/);
    const report = JSON.parse(fs.readFileSync(path.join(home, "out", "report.json"), "utf8"));
    expect(report.results.every((x: { status: string }) => x.status === "not-run")).toBe(true);
    noStackTrace(r);
});

test("without az: says so, lists the checks it could not run (not those skipped on purpose), exit 2, no stack trace", async () => {
    const r = await runs.noAz;
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/the Azure CLI \(az\) is not on the PATH/);
    const notRun = CHECKS.map((c) => c.id).filter((id) => id !== "role-assignments");
    expect(r.stdout).toMatch(new RegExp(`could not run: ${notRun.join(", ")}; skipped on purpose: role-assignments$`, "m"));
    expect(r.stdout).not.toMatch(/^SKIP  role-assignments/m);
    noStackTrace(r);
});
