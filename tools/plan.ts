/**
 * `npm run plan -- --stack <name> [--json FILE] [--out DIR] [--data-tb N] [--set key=value ...] [--profile]`
 *
 * The product's main job offline: evaluates the Pulumi program under mocks with the stack's
 * configuration (no Azure, no Pulumi CLI, no network) and prints the resources grouped by
 * component, a count by type and the stack outputs, with every secret shown as [secret].
 * `--profile` prints the wall and CPU time of each phase on stderr (planner/profile.ts).
 *
 * Runs under plain Node with tools/register.cjs (see package.json); the planner is loaded after the
 * arguments are checked, so that the profile tells startup, SDK load and program evaluation apart.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatPhases, Profiler } from "../planner/profile";

async function main(): Promise<number> {
    let values;
    try {
        ({ values } = parseArgs({
            options: {
                stack: { type: "string" },
                json: { type: "string" },
                out: { type: "string" },
                "data-tb": { type: "string" },
                set: { type: "string", multiple: true },
                quiet: { type: "boolean", default: false },
                profile: { type: "boolean", default: false },
            },
            strict: true,
        }));
    } catch (e) {
        console.error(
            `plan: ${(e as Error).message}\nusage: npm run plan -- --stack <name> [--json FILE] [--out DIR] [--data-tb N] [--set key=value ...] [--profile]`,
        );
        return 2;
    }
    const problems: string[] = [];
    if (!values.stack) problems.push("--stack is required (dev, staging, prod...)");
    else if (!/^[A-Za-z0-9_.-]{1,64}$/.test(values.stack)) problems.push("--stack must be a stack name (letters, digits, . _ -)");
    const dataTb = values["data-tb"] === undefined ? undefined : Number(values["data-tb"]);
    if (dataTb !== undefined && (!Number.isFinite(dataTb) || dataTb < 0 || dataTb > 100000))
        problems.push("--data-tb must be a number between 0 and 100000");
    const overrides: Record<string, unknown> = {};
    for (const pair of values.set ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) problems.push(`--set ${pair.slice(0, 40)}: expected key=value`);
        else overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    if (dataTb !== undefined) overrides.costDataTb = String(Math.round(dataTb));
    if (problems.length) {
        console.error(`plan: invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        return 2;
    }

    const profiler = values.profile ? new Profiler() : undefined;
    // Pulumi records a stack trace for every promise and resource (leak reports, source positions of
    // the engine); offline they are never read and they cost about a tenth of the plan's CPU time.
    // PLAN_DEBUG keeps them, for the error printed below.
    if (!process.env.PLAN_DEBUG) Error.stackTraceLimit = 0;
    const [{ planStack }, { computeInsights, formatInsights }] = await Promise.all([import("../planner"), import("../insights")]);
    await Promise.all([import("@pulumi/kubernetes"), import("@pulumi/random")]);
    profiler?.mark("SDK load");
    const plan = await planStack(values.stack!, { overrides, profiler, insights: computeInsights });
    const { formatPlan, writeKubernetesYaml } = await import("../planner/format");
    if (!values.quiet) console.log(formatPlan(plan, formatInsights));
    if (values.json) {
        fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
        fs.writeFileSync(values.json, JSON.stringify(plan, null, 2) + "\n");
        console.log(`plan written to ${values.json}`);
    }
    if (values.out) {
        const files = writeKubernetesYaml(plan, values.out);
        console.log(`${files} Kubernetes manifest(s) written to ${values.out}`);
    }
    if (profiler) {
        profiler.mark("formatting");
        console.error(formatPhases(profiler.phases));
    }
    return 0;
}

/** For `npm run bench`: the CPU time and peak resident set size of this process, on stderr. */
function reportRss(): void {
    const u = process.cpuUsage();
    if (process.env.PLAN_REPORT_RSS)
        console.error(`plan-cpu-ms=${Math.round((u.user + u.system) / 1000)} plan-maxrss-kb=${process.resourceUsage().maxRSS}`);
}

main().then(
    (code) => {
        reportRss();
        process.exit(code);
    },
    async (err) => {
        const [{ ConfigValidationError }, { StackConfigError }] = await Promise.all([import("../lib/config"), import("../planner")]);
        if (err instanceof ConfigValidationError || err instanceof StackConfigError) {
            console.error(err.message);
            process.exit(1);
        }
        console.error(`plan failed: ${err instanceof Error ? err.message : String(err)}`);
        if (process.env.PLAN_DEBUG) console.error(err);
        process.exit(1);
    },
);
