import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PreflightReport, runPreflight } from "../../preflight";
import { AzRunner, processAzRunner } from "../../preflight/az";
import { CHECKS } from "../../preflight/checks";
import { must } from "../helpers/must";
import { allFixtureFiles, AUTHORIZED, fakeEnv, Scenario, stackConfig, TODAY } from "./helpers";

/**
 * Every check against recorded az answers: the real process runner spawns the fake `az` on the PATH,
 * which serves tests/preflight/fixtures (healthy subscription, overlaid by one scenario).
 * healthy = first deployment, all pass; deployed = existing stack, all pass; warn / fail = every check warns / fails.
 */

const home = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-home-"));
const log = path.join(home, "served.log");
const prod = stackConfig("prod", { aksAuthorizedIpRanges: JSON.stringify(AUTHORIZED) });

async function run(scenario: Scenario, extraEnv: NodeJS.ProcessEnv = {}, az?: AzRunner): Promise<PreflightReport> {
    const env = fakeEnv(scenario, home, { FAKE_AZ_LOG: log, ...extraEnv });
    return runPreflight(prod, { az: az ?? processAzRunner({ env }), env, today: TODAY });
}

const reports = new Map<Scenario, PreflightReport>();
beforeAll(async () => {
    fs.rmSync(log, { force: true });
    for (const s of ["healthy", "deployed", "warn", "fail"] as const) reports.set(s, await run(s));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const expected: [Scenario, "pass" | "warn" | "fail", number][] = [
    ["healthy", "pass", 0],
    ["deployed", "pass", 0],
    ["warn", "warn", 0],
    ["fail", "fail", 1],
];

describe.each(expected)("scenario %s", (scenario, status, exitCode) => {
    test.each(CHECKS.map((c) => c.id))(`%s is ${status}`, (id) => {
        const r = reports.get(scenario)!.results.find((x) => x.id === id)!;
        expect({ id, status: r.status, message: r.message }).toEqual({ id, status, message: expect.any(String) });
        expect(r.fix.length).toBeGreaterThan(0);
    });
    test(`exit code ${exitCode}`, () => expect(reports.get(scenario)!.exitCode).toBe(exitCode));
});

test("the existing-stack checks look at the stack's resources only when its resource group exists", () => {
    const byId = (s: Scenario, id: string) => reports.get(s)!.results.find((r) => r.id === id)!.message;
    expect(byId("healthy", "locks")).toMatch(/does not exist yet/);
    expect(byId("deployed", "locks")).toMatch(/2 CanNotDelete lock\(s\), all this program's/);
    expect(byId("deployed", "global-names")).toMatch(/stpachlabprodab6f2e is this stack's/);
    // Before the first deployment the subscription must also let the identity create the resource group.
    expect(byId("healthy", "role-assignments")).toMatch(/resourceGroups\/write.*at \/subscriptions\/0{8}-0{4}-0{4}-0{4}-0{12}$/);
    expect(byId("deployed", "role-assignments")).toMatch(/at \/subscriptions\/.*\/resourceGroups\/rg-pachlab-prod$/);
});

test("quota counts the pools at maximum plus surge, per family from the SKU list", () => {
    const quota = reports.get("healthy")!.results.find((r) => r.id === "vcpu-quota")!.message;
    // prod: system 3 x D4ds_v5 (+1 surge), user 12 x D8ds_v5 (+4 surge): 4x4 + 16x8 = 144 DDSv5 vCPUs; ingress D2s_v5: DSv5.
    expect(quota).toMatch(/standardDDSv5Family: needs 36 now and 144 at peak/);
    expect(quota).toMatch(/standardDSv5Family: needs 2 now and 2 at peak/);
    expect(quota).toMatch(/total regional vCPUs: needs 38 now and 146 at peak/);
});

test("not logged in: every check is reported as not run, exit 2", async () => {
    const report = await run("logged-out");
    expect(report.exitCode).toBe(2);
    expect(report.results.map((r) => [r.id, r.status])).toEqual(CHECKS.map((c) => [c.id, "not-run"]));
    expect(must(report.results[0], "the first result").message).toMatch(/not logged in to Azure: Please run 'az login'/);
});

test("no az on the PATH: every check is reported as not run, exit 2", async () => {
    const env = { ...fakeEnv("healthy", home), PATH: path.join(home, "empty-bin") };
    const report = await runPreflight(prod, { az: processAzRunner({ env }), env, today: TODAY });
    expect(report.exitCode).toBe(2);
    expect(new Set(report.results.map((r) => r.status))).toEqual(new Set(["not-run"]));
    expect(must(report.results[0], "the first result").message).toMatch(/az\) is not on the PATH/);
});

test("an unexpected az error stops only its check, reported as not run", async () => {
    const failing: AzRunner = {
        run: (args) =>
            args[0] === "lock"
                ? Promise.resolve({ code: 1, stdout: "", stderr: "ERROR: (AuthorizationFailed) The client does not have authorization" })
                : processAzRunner({ env: fakeEnv("deployed", home) }).run(args),
    };
    const report = await run("deployed", {}, failing);
    const locks = report.results.find((r) => r.id === "locks")!;
    expect(locks).toMatchObject({
        status: "not-run",
        message: expect.stringMatching(/could not run: az lock list --resource-group: \(AuthorizationFailed\)/),
    });
    expect(report.results.filter((r) => r.id !== "locks").every((r) => r.status === "pass")).toBe(true);
    expect(report.exitCode).toBe(2);
});

test("the checks run concurrently", async () => {
    let active = 0;
    let peak = 0;
    const inner = processAzRunner({ env: fakeEnv("healthy", home), concurrency: 64 });
    const counting: AzRunner = {
        async run(args) {
            active++;
            peak = Math.max(peak, active);
            try {
                return await inner.run(args);
            } finally {
                active--;
            }
        },
    };
    await run("healthy", {}, counting);
    // After `az account show`, the checks ask az at the same time, not one after another.
    expect(peak).toBeGreaterThan(5);
});

test("every fixture names its documented source and is served by some scenario", async () => {
    await run("logged-out");
    const served = new Set(fs.readFileSync(log, "utf8").split("\n").filter(Boolean));
    for (const file of allFixtureFiles()) {
        expect({ file, source: /^# source: \S.{20,}/.test(fs.readFileSync(file, "utf8")) }).toEqual({ file, source: true });
        expect({ file, served: served.has(file) }).toEqual({ file, served: true });
    }
});
