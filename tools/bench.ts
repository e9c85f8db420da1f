/**
 * `npm run bench [-- --runs N] [--profile]`: a cold `plan` of each stack, N times (default 5), each in a
 * fresh process as `npm run plan` runs it, interleaved with a bare load of the four SDKs the program
 * uses (@pulumi/pulumi, azure-native, kubernetes, random) in a fresh Node process. Prints per stack the
 * median wall time, its ratio to the median bare load of the same run, the same ratio in CPU time
 * (steadier when other jobs share the machine), and the peak RSS; `--profile` adds the median of each
 * plan phase (planner/profile.ts).
 * Target on the project's 2-core machine: prod median wall time <= 2.0x the bare SDK load, peak RSS < 1 GiB.
 * Then `npm run preflight` of prod against the fake az of tests/preflight (every check, all at once): median < 30 s.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { listStacks, REPO_ROOT } from "../planner";
import { parsePhases, Phase, PLAN_PHASES } from "../planner/profile";
import { AUTHORIZED, fakeEnv, TODAY_ARG } from "../tests/preflight/helpers";
import { planNodeArgs } from "./planCommand";

const TARGET_RATIO = 2.0;
const TARGET_RSS_MB = 1024;
const TARGET_PREFLIGHT_S = 30;
const SDKS = ["@pulumi/pulumi", "@pulumi/azure-native", "@pulumi/kubernetes", "@pulumi/random"];

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, profile: { type: "boolean", default: false } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    console.error("bench: --runs must be an integer between 1 and 50");
    process.exit(2);
}

interface Run {
    wallS: number;
    cpuS: number;
    rssMb: number;
    phases: Phase[];
}

/** Runs node with args; wall time measured here, CPU time and peak RSS reported by the child on stderr. */
function run(args: string[]): Run {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, PLAN_REPORT_RSS: "1" }, encoding: "utf8" });
    const wallS = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
        console.error(r.stderr);
        process.exit(1);
    }
    const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(r.stderr)?.[1] ?? NaN);
    return { wallS, cpuS: field("plan-cpu-ms") / 1000, rssMb: field("plan-maxrss-kb") / 1024, phases: parsePhases(r.stderr) };
}

// The child's own CPU time and peak RSS, in the format tools/plan.ts reports them.
const bareScript =
    `${SDKS.map((m) => `require(${JSON.stringify(m)});`).join("")}` +
    "const u=process.cpuUsage();console.error(`plan-cpu-ms=${Math.round((u.user+u.system)/1000)} plan-maxrss-kb=${process.resourceUsage().maxRSS}`);";
const planArgs = (stack: string) => planNodeArgs(REPO_ROOT, ["--stack", stack, "--quiet", ...(values.profile ? ["--profile"] : [])]);

/** The median (NaN of no values). */
const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (i: number): number => s[i] ?? NaN;
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
};
const stacks = listStacks();
const bare: Run[] = [];
const plans = new Map<string, Run[]>(stacks.map((s) => [s, []]));
// Interleaved, so that load from other jobs on the machine hits the baseline and the plans alike.
for (let i = 0; i < runs; i++) {
    bare.push(run(["-e", bareScript]));
    for (const stack of stacks) plans.get(stack)!.push(run(planArgs(stack)));
}

const bareWall = median(bare.map((r) => r.wallS));
const bareCpu = median(bare.map((r) => r.cpuS));
let failed = false;
console.log(`bare load of ${SDKS.join(", ")}: median ${bareWall.toFixed(2)} s wall, ${bareCpu.toFixed(2)} s CPU (${runs} runs)`);
console.log(`stack      runs  median_s  min_s   max_s   x_bare  cpu_x_bare  peak_rss_mb  target`);
for (const stack of stacks) {
    const rs = plans.get(stack)!;
    const wall = median(rs.map((r) => r.wallS));
    const ratio = wall / bareWall;
    const cpuRatio = median(rs.map((r) => r.cpuS)) / bareCpu;
    const rssMb = Math.max(...rs.map((r) => r.rssMb));
    const ok = ratio <= TARGET_RATIO && rssMb < TARGET_RSS_MB;
    if (stack === "prod" && !ok) failed = true;
    const times = rs.map((r) => r.wallS);
    console.log(
        `${stack.padEnd(10)} ${String(runs).padStart(4)}  ${wall.toFixed(2).padStart(8)}  ${Math.min(...times)
            .toFixed(2)
            .padStart(6)}  ` +
            `${Math.max(...times)
                .toFixed(2)
                .padStart(6)}  ${ratio.toFixed(2).padStart(6)}  ${cpuRatio.toFixed(2).padStart(10)}  ${rssMb.toFixed(0).padStart(11)}  ` +
            `${ok ? "met" : "MISSED"} (<=${TARGET_RATIO}x bare, <${TARGET_RSS_MB}MB)`,
    );
}
if (values.profile) {
    console.log("\nmedian per phase, ms (wall / CPU):");
    console.log(`${"phase".padEnd(20)}${stacks.map((s) => s.padStart(18)).join("")}`);
    for (const phase of PLAN_PHASES) {
        const cells = stacks.map((s) => {
            const ps = plans
                .get(s)!
                .map((r) => r.phases.find((p) => p.name === phase))
                .filter((p): p is Phase => !!p);
            return ps.length ? `${median(ps.map((p) => p.wallMs)).toFixed(0)} / ${median(ps.map((p) => p.cpuMs)).toFixed(0)}` : "-";
        });
        console.log(`${phase.padEnd(20)}${cells.map((c) => c.padStart(18)).join("")}`);
    }
}
const preflightTimes: number[] = [];
for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    // As `npm run preflight` runs it (package.json).
    const r = spawnSync(
        path.join(REPO_ROOT, "node_modules", ".bin", "tsx"),
        [
            path.join(REPO_ROOT, "tools/preflight.ts"),
            "--stack",
            "prod",
            "--today",
            TODAY_ARG,
            "--set",
            `aksAuthorizedIpRanges=${JSON.stringify(AUTHORIZED)}`,
        ],
        {
            cwd: REPO_ROOT,
            env: fakeEnv("healthy", os.tmpdir()),
            encoding: "utf8",
        },
    );
    preflightTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (r.status !== 0) {
        console.error(r.stdout, r.stderr);
        process.exit(1);
    }
}
const preflightMedian = median(preflightTimes);
if (preflightMedian >= TARGET_PREFLIGHT_S) failed = true;
console.log(
    `preflight prod (fake az) ${runs} runs: median ${preflightMedian.toFixed(2)} s  ${preflightMedian < TARGET_PREFLIGHT_S ? "met" : "MISSED"} (<${TARGET_PREFLIGHT_S}s)`,
);
process.exit(failed ? 1 : 0);
