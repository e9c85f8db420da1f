/**
 * `tsx tests/delivery/workflowLint.ts FILE...` — validates GitHub Actions workflows with GitHub's own parser
 * (@actions/workflow-parser: template parse against the workflow schema, then conversion to a WorkflowTemplate, which
 * also checks expressions, needs, matrices...). Prints a JSON array of `{ file, errors, jobs }` on stdout.
 *
 * Why a separate process: @actions/workflow-parser is an ES module (exports only "import") that imports its JSON
 * schema without import attributes, which neither jest's CommonJS runtime nor plain Node can load; tsx's loader can.
 * tests/delivery/workflows.test.ts runs this script.
 */
import { readFileSync } from "fs";
import type * as WorkflowParser from "@actions/workflow-parser";

export interface LintResult {
    file: string;
    errors: string[];
    jobs: string[];
}

// A real dynamic import (TypeScript would turn `import()` into `require()` under module=commonjs).
const dynamicImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<unknown>;

async function lintWorkflow(wp: typeof WorkflowParser, file: string): Promise<LintResult> {
    const content = readFileSync(file, "utf8");
    const parsed = wp.parseWorkflow({ name: file, content }, new wp.NoOperationTraceWriter());
    const errors = parsed.context.errors.getErrors().map((e) => e.message);
    let jobs: string[] = [];
    if (parsed.value !== undefined) {
        const template = await wp.convertWorkflowTemplate(parsed.context, parsed.value);
        for (const e of template.errors ?? []) if (!errors.includes(e.Message)) errors.push(e.Message);
        jobs = (template.jobs ?? []).map((j) => j.id.value);
    } else if (errors.length === 0) {
        errors.push(`${file}: the parser returned no template`);
    }
    return { file, errors, jobs };
}

async function main(files: string[]): Promise<void> {
    const wp = (await dynamicImport("@actions/workflow-parser")) as typeof WorkflowParser;
    const results: LintResult[] = [];
    for (const f of files) results.push(await lintWorkflow(wp, f));
    process.stdout.write(JSON.stringify(results, null, 2) + "\n");
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        process.stderr.write(`workflowLint: ${(e as Error).stack ?? String(e)}\n`);
        process.exit(2);
    });
}
