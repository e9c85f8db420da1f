/**
 * `npm run preflight -- --stack <name> [--json FILE|-] [--markdown FILE] [--set key=value ...] [--skip CHECK,...] [--today YYYY-MM-DD]`
 *
 * Checks the subscription and region of a stack through the `az` CLI before `pulumi up`: one line per
 * check (pass, warn, fail, or SKIP when it could not run), each naming the config key or Azure action
 * that fixes it. Exit code 0 when nothing failed, 1 when a check failed, 2 when a check could not run
 * (no `az`, not logged in). docs/operations.md describes every check.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { ConfigValidationError } from "../lib/config";
import { formatMarkdown, formatReport, runPreflight, stackPlatformConfig } from "../preflight";
import { processAzRunner } from "../preflight/az";
import { CHECKS } from "../preflight/checks";

const USAGE =
    "usage: npm run preflight -- --stack <name> [--json FILE|-] [--markdown FILE] [--set key=value ...] [--skip CHECK,...] [--today YYYY-MM-DD]";

async function main(): Promise<number> {
    let values;
    try {
        ({ values } = parseArgs({
            options: {
                stack: { type: "string" },
                json: { type: "string" },
                markdown: { type: "string" },
                set: { type: "string", multiple: true },
                skip: { type: "string", multiple: true },
                today: { type: "string" },
            },
            strict: true,
        }));
    } catch (e) {
        console.error(`preflight: ${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    if (!values.stack || !/^[A-Za-z0-9_.-]{1,64}$/.test(values.stack)) {
        console.error(`preflight: --stack must name a stack (dev, staging, prod...)\n${USAGE}`);
        return 2;
    }
    const today = values.today ? new Date(`${values.today}T00:00:00Z`) : new Date();
    if (Number.isNaN(today.getTime())) {
        console.error(`preflight: --today must be a date YYYY-MM-DD\n${USAGE}`);
        return 2;
    }

    // --skip names checks that do not apply to this run (e.g. role assignments for a read-only preview identity).
    const skip = (values.skip ?? [])
        .flatMap((v) => v.split(","))
        .map((v) => v.trim())
        .filter(Boolean);
    const unknown = skip.filter((id) => !CHECKS.some((c) => c.id === id));
    if (unknown.length > 0) {
        console.error(`preflight: --skip ${unknown.join(",")}: no such check (checks: ${CHECKS.map((c) => c.id).join(", ")})\n${USAGE}`);
        return 2;
    }
    const overrides: Record<string, unknown> = {};
    for (const pair of values.set ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) {
            console.error(`preflight: --set ${pair.slice(0, 40)}: expected key=value\n${USAGE}`);
            return 2;
        }
        overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
    }

    const cfg = stackPlatformConfig(values.stack, overrides, today);

    const report = await runPreflight(cfg, {
        az: processAzRunner(),
        env: process.env,
        today,
        checks: CHECKS.filter((c) => !skip.includes(c.id)),
    });
    if (values.json === "-") {
        console.log(JSON.stringify(report, null, 2));
    } else {
        console.log(formatReport(report));
        if (values.json) writeFile(values.json, JSON.stringify(report, null, 2) + "\n");
    }
    if (values.markdown) fs.appendFileSync(values.markdown, formatMarkdown(report));
    return report.exitCode;
}

function writeFile(file: string, text: string): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
}

main().then(
    (code) => process.exit(code),
    (err) => {
        // Bad config is the user's to fix (one message naming every key); anything else is reported in one line.
        console.error(
            err instanceof ConfigValidationError ? err.message : `preflight failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        process.exit(err instanceof ConfigValidationError ? 1 : 2);
    },
);
