/**
 * `npm run bench [-- --runs N]`: a cold `plan` of each stack, N times (default 5), each in a fresh
 * process as a user runs it, and prints the median wall time and the peak RSS per stack.
 * Target on the project's 2-core machine: prod median < 5 s, peak RSS < 1 GiB.
 * Then `npm run preflight` of prod against the fake az of tests/preflight (every check, all at once): median < 30 s.
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { listStacks, REPO_ROOT } from "../planner";
import { AUTHORIZED, fakeEnv, TODAY_ARG } from "../tests/preflight/helpers";

const TARGET_MEDIAN_S = 5;
const TARGET_RSS_MB = 1024;
const TARGET_PREFLIGHT_S = 30;

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    console.error("bench: --runs must be an integer between 1 and 50");
    process.exit(2);
}

const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
let failed = false;
console.log(`stack      runs  median_s  min_s   max_s   peak_rss_mb  target`);
for (const stack of listStacks()) {
    const times: number[] = [];
    let peakKb = 0;
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const r = spawnSync(tsx, [path.join(REPO_ROOT, "tools/plan.ts"), "--stack", stack, "--quiet"], {
            cwd: REPO_ROOT, env: { ...process.env, PLAN_REPORT_RSS: "1" }, encoding: "utf8",
        });
        times.push(Number(process.hrtime.bigint() - start) / 1e9);
        if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
        const kb = Number(/plan-maxrss-kb=(\d+)/.exec(r.stderr)?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
    }
    const med = median(times);
    const rssMb = peakKb / 1024;
    const ok = med < TARGET_MEDIAN_S && rssMb < TARGET_RSS_MB;
    if (stack === "prod" && !ok) failed = true;
    console.log(`${stack.padEnd(10)} ${String(runs).padStart(4)}  ${med.toFixed(2).padStart(8)}  ${Math.min(...times).toFixed(2).padStart(6)}  ${Math.max(...times).toFixed(2).padStart(6)}  ${rssMb.toFixed(0).padStart(11)}  ${ok ? "met" : "MISSED"} (<${TARGET_MEDIAN_S}s, <${TARGET_RSS_MB}MB)`);
}
const preflightTimes: number[] = [];
for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(tsx, [path.join(REPO_ROOT, "tools/preflight.ts"), "--stack", "prod", "--today", TODAY_ARG, "--set", `aksAuthorizedIpRanges=${JSON.stringify(AUTHORIZED)}`], {
        cwd: REPO_ROOT, env: fakeEnv("healthy", os.tmpdir()), encoding: "utf8",
    });
    preflightTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (r.status !== 0) { console.error(r.stdout, r.stderr); process.exit(1); }
}
const preflightMedian = median(preflightTimes);
if (preflightMedian >= TARGET_PREFLIGHT_S) failed = true;
console.log(`preflight prod (fake az) ${runs} runs: median ${preflightMedian.toFixed(2)} s  ${preflightMedian < TARGET_PREFLIGHT_S ? "met" : "MISSED"} (<${TARGET_PREFLIGHT_S}s)`);
process.exit(failed ? 1 : 0);
