import { parseConfig, PlatformConfig } from "../lib/config";
import { loadStackConfig } from "../planner";
import { AzCallError, azJson, AzRunner, AzUnavailableError, firstLine } from "./az";
import { Check, CheckContext, CHECKS, Status } from "./checks";
import { deploymentFacts } from "./facts";

/**
 * Preflight: asks Azure, through `az`, whether a stack can be deployed in its subscription and region
 * before `pulumi up` spends half an hour finding out. All checks run at once; a check that cannot run
 * (no `az`, no login, an unexpected `az` error) is reported as not run, never as a stack trace.
 */

/**
 * A stack's configuration exactly as the program reads it: Pulumi.yaml defaults + Pulumi.<stack>.yaml (+ the
 * overrides `--set` gives, as `npm run plan` takes them), validated by parseConfig on `today` (it judges the AKS
 * version against the support calendar), throwing ConfigValidationError.
 */
export function stackPlatformConfig(stack: string, overrides: Record<string, unknown> = {}, today?: Date): PlatformConfig {
    const source = loadStackConfig(stack, undefined, overrides);
    const prefix = `${source.project}:`;
    const raw = Object.fromEntries(
        Object.entries(source.config)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    return parseConfig(raw, { project: source.project, stack, today });
}

interface CheckOutcome {
    id: string;
    title: string;
    status: Status | "not-run";
    message: string;
    fix: string;
}

export interface PreflightReport {
    stack: string;
    location: string;
    subscription?: { id: string; name?: string; user?: string };
    results: CheckOutcome[];
    /** Checks left out on purpose (`--skip`). */
    skipped: string[];
    /** 0: nothing failed; 1: a check failed; 2: a check could not run. */
    exitCode: 0 | 1 | 2;
}

interface PreflightOptions {
    az: AzRunner;
    env: NodeJS.ProcessEnv;
    today: Date;
    checks?: Check[];
}

interface Account {
    id: string;
    name?: string;
    user?: { name?: string; type?: string };
}

export async function runPreflight(cfg: PlatformConfig, options: PreflightOptions): Promise<PreflightReport> {
    const checks = options.checks ?? CHECKS;
    const base = { stack: cfg.stack, location: cfg.location, skipped: CHECKS.filter((c) => !checks.includes(c)).map((c) => c.id) };
    const notRun = (why: string, fix: string): PreflightReport => ({
        ...base,
        results: checks.map((c) => ({ id: c.id, title: c.title, status: "not-run", message: why, fix })),
        exitCode: 2,
    });
    let account: Account;
    try {
        // `az account show` fails with "Please run 'az login' to setup account." when nobody is logged in.
        account = await azJson<Account>(options.az, ["account", "show"]);
    } catch (e) {
        if (e instanceof AzUnavailableError) return notRun(e.message, "install the Azure CLI");
        if (e instanceof AzCallError)
            return notRun(`not logged in to Azure: ${firstLine(e.result.stderr)}`, "az login (CI: azure/login with OIDC)");
        throw e;
    }
    let rgExists: Promise<boolean> | undefined;
    const facts = deploymentFacts(cfg);
    const ctx: CheckContext = {
        cfg,
        facts,
        az: options.az,
        subscriptionId: account.id,
        env: options.env,
        today: options.today,
        // `az group exists` prints true or false.
        resourceGroupExists: () => (rgExists ??= azJson<boolean>(options.az, ["group", "exists", "--name", facts.resourceGroup])),
    };
    const results = await Promise.all(
        checks.map(async (c): Promise<CheckOutcome> => {
            try {
                return { id: c.id, title: c.title, ...(await c.run(ctx)) };
            } catch (e) {
                const why = e instanceof Error ? e.message : String(e);
                return {
                    id: c.id,
                    title: c.title,
                    status: "not-run",
                    message: `could not run: ${why}`,
                    fix: "see the message; rerun when az answers",
                };
            }
        }),
    );
    const exitCode = results.some((r) => r.status === "fail") ? 1 : results.some((r) => r.status === "not-run") ? 2 : 0;
    return { ...base, subscription: { id: account.id, name: account.name, user: account.user?.name }, results, exitCode };
}

const LABEL: Record<CheckOutcome["status"], string> = { pass: "PASS", warn: "WARN", fail: "FAIL", "not-run": "SKIP" };

/** One line per check: status, id, what was found, and the config key or Azure action that fixes it. */
export function formatReport(report: PreflightReport): string {
    const width = Math.max(...report.results.map((r) => r.id.length));
    const sub = report.subscription ? `, subscription ${report.subscription.name ?? ""} (${report.subscription.id})` : "";
    const lines = report.results.map(
        (r) =>
            `${LABEL[r.status]}  ${r.id.padEnd(width)}  ${r.message}${r.status === "pass" ? "" : `\n${" ".repeat(width + 8)}fix: ${r.fix}`}`,
    );
    const counts = (["pass", "warn", "fail", "not-run"] as const)
        .map((s) => `${report.results.filter((r) => r.status === s).length} ${s}`)
        .join(", ");
    const notRun = report.results.filter((r) => r.status === "not-run").map((r) => r.id);
    return [
        `Preflight of stack ${report.stack} in ${report.location}${sub}`,
        ...lines,
        `${counts}${notRun.length ? `; could not run: ${notRun.join(", ")}` : ""}${report.skipped.length ? `; skipped on purpose: ${report.skipped.join(", ")}` : ""}`,
    ].join("\n");
}

/** The same table in Markdown, for the job summary or a PR comment. */
export function formatMarkdown(report: PreflightReport): string {
    const icon: Record<CheckOutcome["status"], string> = {
        pass: ":white_check_mark:",
        warn: ":warning:",
        fail: ":x:",
        "not-run": ":grey_question:",
    };
    const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        `### Preflight: stack \`${report.stack}\` in ${report.location}`,
        "",
        "| | check | result | fix |",
        "|---|---|---|---|",
        ...report.results.map((r) => `| ${icon[r.status]} | ${r.id} | ${cell(r.message)} | ${r.status === "pass" ? "" : cell(r.fix)} |`),
        ...(report.skipped.length ? ["", `Skipped on purpose: ${report.skipped.join(", ")}.`] : []),
        "",
    ].join("\n");
}
