/**
 * Offline policy check of a stack: `npm run policy -- --stack <stack> [--plan plan.json]
 * [--config policy-config.json] [--base state.json] [--write-pack-config FILE] [--json out.json]`.
 *
 * `--base` gives the current state (a `pulumi stack export` or an earlier plan): its GlusterFS VMs become the
 * `baseline` of the gluster-one-node-at-a-time policy (policy/rules/gluster.ts). `--write-pack-config FILE` writes the
 * resulting policy config for `pulumi preview --policy-pack policy --policy-pack-config FILE`.
 *
 * Plans the stack under mocks (planner/index.ts `planStack`) unless `--plan` gives a plan written by
 * `npm run plan -- --json`, evaluates every policy of policy/rules/ in-process (policy/evaluate.ts,
 * the same policy objects `pulumi preview --policy-pack policy` runs), prints a per-rule table and the
 * violations, and exits 1 when a mandatory policy is violated (2 on usage errors).
 * Secrets never reach the output: the plan already replaces them with "[secret]" and the secrets
 * policy reports property paths, never values.
 */
import * as fs from "fs";
import { parseArgs as parseCliArgs } from "util";
import type { Plan } from "../planner/types";
import { glusterBaseline } from "../lib/glusterRoll";
import { evaluatePlan, Evaluation, mandatoryViolations, PolicyConfigInput } from "../policy/evaluate";
import { GLUSTER_ROLL_POLICY } from "../policy/rules/gluster";

interface Args {
    stack?: string;
    plan?: string;
    config?: string;
    base?: string;
    writePackConfig?: string;
    json?: string;
}

function parseArgs(argv: string[]): Args {
    const { values } = parseCliArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            plan: { type: "string" },
            config: { type: "string" },
            json: { type: "string" },
            base: { type: "string" },
            "write-pack-config": { type: "string" },
            help: { type: "boolean", short: "h" },
        },
    });
    if (values.help) throw new Error("help");
    if (!values.stack && !values.plan) throw new Error("--stack <stack> or --plan <plan.json> is required");
    return {
        stack: values.stack,
        plan: values.plan,
        config: values.config,
        json: values.json,
        base: values.base,
        writePackConfig: values["write-pack-config"],
    };
}

function pad(s: string, n: number): string {
    return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export function formatEvaluation(e: Evaluation, title: string): string {
    const lines: string[] = [title, ""];
    const cols = ["Rule", "Policy", "Level", "Result", "Violations"];
    const rows = e.perPolicy.map((p) => [
        p.rule,
        p.name,
        p.enforcementLevel,
        p.status === "fail" ? "FAIL" : p.status,
        String(p.violations.length),
    ]);
    const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
    const row = (cells: string[]) => cells.map((c, i) => pad(c, widths[i] ?? 0)).join("  ");
    lines.push(row(cols));
    lines.push(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) lines.push(row(r));
    const mandatory = mandatoryViolations(e);
    const advisories = e.violations.filter((v) => v.enforcementLevel === "advisory");
    const section = (name: string, vs: typeof e.violations) => {
        if (vs.length === 0) return;
        lines.push("", `${name} (${vs.length}):`);
        for (const v of vs) lines.push(`  [rule ${v.rule}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
    };
    section("Mandatory violations", mandatory);
    section("Advisories", advisories);
    const counts = (s: string) => e.perPolicy.filter((p) => p.status === s).length;
    lines.push(
        "",
        `${counts("pass")} passed, ${counts("fail")} failed, ${counts("n/a")} not applicable; ${mandatory.length} mandatory violation(s), ${advisories.length} advisory(ies).`,
    );
    return lines.join("\n");
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        const msg = (err as Error).message;
        console.error(
            `${msg === "help" ? "" : `error: ${msg}\n`}usage: npm run policy -- --stack <stack> [--plan plan.json] [--config policy-config.json] [--base state.json] [--write-pack-config FILE] [--json result.json]`,
        );
        return msg === "help" ? 0 : 2;
    }
    const config: PolicyConfigInput = args.config ? JSON.parse(fs.readFileSync(args.config, "utf8")) : {};
    if (args.base) {
        const own = config[GLUSTER_ROLL_POLICY];
        config[GLUSTER_ROLL_POLICY] = {
            ...(typeof own === "object" ? own : {}),
            baseline: glusterBaseline(JSON.parse(fs.readFileSync(args.base, "utf8"))),
        };
    }
    if (args.writePackConfig) fs.writeFileSync(args.writePackConfig, JSON.stringify(config, null, 2) + "\n");
    let plan: Plan;
    if (args.plan) {
        plan = JSON.parse(fs.readFileSync(args.plan, "utf8")) as Plan;
    } else {
        // Imported lazily: planning loads the Pulumi program under mocks.
        const { planStack } = await import("../planner");
        plan = await planStack(args.stack!);
    }
    const e = await evaluatePlan(plan, undefined, config);
    console.log(
        formatEvaluation(e, `Policy pack pachyderm-azure-policy on stack ${plan.stack ?? args.stack} (${plan.resources.length} resources)`),
    );
    if (args.json) fs.writeFileSync(args.json, JSON.stringify(e, null, 2) + "\n");
    return mandatoryViolations(e).length > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(2);
        },
    );
}
