/**
 * `npm run plan:diff -- base.json head.json [--title TEXT] [--fail-on-stateful] [--fail-on-blocking]`
 *
 * Compares two plans written by `npm run plan -- --stack <s> --json FILE` and prints a Markdown report to stdout
 * (added / removed / changed resources; at the top, stateful resources that would be replaced or removed and the
 * blocking GlusterFS finding, 2+ of its 3 nodes replaced or restarted at once (lib/glusterRoll.ts); cost delta when both
 * plans carry insights). Secret values are never printed.
 *
 * Exit codes: 0 = report printed; 1 = report printed and --fail-on-stateful was given and a stateful resource would be
 * replaced or removed, or --fail-on-blocking was given and the diff has a blocking finding (stateful replacement or
 * removal, or 2+ GlusterFS nodes down at once); 2 = usage or input error (message on stderr).
 */
import { readFileSync } from "fs";
import { parseArgs } from "util";
import type { Plan } from "../planner/types";
import { planInsightsDelta } from "../insights";
import { diffPlans, isBlocking } from "../planner/planDiff";
import { renderMarkdown } from "../planner/planDiffMarkdown";

function usage(msg: string): never {
    process.stderr.write(
        `plan-diff: ${msg}\nusage: npm run plan:diff -- base.json head.json [--title TEXT] [--fail-on-stateful] [--fail-on-blocking]\n`,
    );
    process.exit(2);
}

function readPlan(file: string): Plan {
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
        usage(`cannot read ${file}: ${(e as Error).message}`);
    }
    const p = parsed as Partial<Plan>;
    if (p === null || typeof p !== "object" || !Array.isArray(p.resources)) usage(`${file} is not a plan (no resources array)`);
    return { outputs: {}, secretOutputs: [], project: "", stack: "", ...p } as Plan;
}

function main(argv: string[]): void {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            strict: true,
            options: {
                title: { type: "string" },
                "fail-on-stateful": { type: "boolean", default: false },
                "fail-on-blocking": { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        });
    } catch (e) {
        usage((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) usage("help");
    const [baseFile, headFile, ...rest] = positionals;
    if (baseFile === undefined || headFile === undefined || rest.length > 0) usage("expected exactly two plan files");
    const diff = diffPlans(readPlan(baseFile), readPlan(headFile), { insightsDelta: planInsightsDelta });
    process.stdout.write(renderMarkdown(diff, { title: values.title }));
    if ((values["fail-on-stateful"] && diff.statefulAlerts.length > 0) || (values["fail-on-blocking"] && isBlocking(diff)))
        process.exitCode = 1;
}

main(process.argv.slice(2));
