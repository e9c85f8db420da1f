/**
 * The GitHub Actions workflows: valid for GitHub's own parser (@actions/workflow-parser, run through
 * tests/delivery/workflowLint.ts), and holding the properties the delivery design relies on: OIDC only, least
 * privilege, every stack covered, prod gated by an environment, drift fails on changes, forks never near secrets.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse } from "yaml";
import { must } from "../helpers/must";
import type { LintResult } from "./workflowLint";

const ROOT = path.resolve(__dirname, "../..");
const WF_DIR = path.join(ROOT, ".github/workflows");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const LINT = path.join(__dirname, "workflowLint.ts");

const workflowFiles = readdirSync(WF_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

function lint(files: string[]): LintResult[] {
    return JSON.parse(execFileSync(TSX, [LINT, ...files], { cwd: ROOT, encoding: "utf8" })) as LintResult[];
}

type Step = {
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    "working-directory"?: string;
};
type Job = {
    if?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
    strategy?: { matrix?: Record<string, unknown> };
    env?: Record<string, string>;
    steps: Step[];
};
type Workflow = {
    name: string;
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
};

const raw: Record<string, string> = Object.fromEntries(workflowFiles.map((f) => [f, readFileSync(path.join(WF_DIR, f), "utf8")]));
const wf: Record<string, Workflow> = Object.fromEntries(Object.entries(raw).map(([f, text]) => [f, parse(text) as Workflow]));

/** Stacks that have a `Pulumi.<stack>.yaml` file at the repository root, plus the three declared ones. */
const stackFiles = readdirSync(ROOT)
    .map((f) => /^Pulumi\.([^.]+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
const expectedStacks = [...new Set([...stackFiles, "dev", "staging", "prod"])].sort();

const allJobs = (): [string, string, Job][] =>
    Object.entries(wf).flatMap(([file, w]) => Object.entries(w.jobs).map(([id, j]) => [file, id, j] as [string, string, Job]));
const workflow = (file: string): Workflow => must(wf[file], `workflow ${file}`);
const rawText = (file: string): string => must(raw[file], `workflow ${file}`);
const jobOf = (w: Workflow, id: string): Job => must(w.jobs[id], `job ${id} of ${w.name}`);
const stepsUsing = (job: Job, action: string): Step[] => job.steps.filter((s) => s.uses?.split("@")[0] === action);
const stepUsing = (job: Job, action: string): Step => must(stepsUsing(job, action)[0], `a step using ${action}`);
const matrixStacks = (job: Job): string[] => [...((job.strategy?.matrix?.stack as string[] | undefined) ?? [])].sort();
const jobText = (job: Job): string => JSON.stringify(job);

describe("workflow files", () => {
    test("the expected workflows exist", () => {
        expect(workflowFiles).toEqual(
            expect.arrayContaining(["preview.yml", "deploy.yml", "drift.yml", "e2e.yml", "fork-plan-comment.yml"]),
        );
    });

    test("GitHub's workflow parser accepts every workflow (template parse + conversion, no errors)", () => {
        const results = lint(workflowFiles.map((f) => path.join(WF_DIR, f)));
        expect(results.map((r) => ({ file: path.basename(r.file), errors: r.errors }))).toEqual(
            workflowFiles.map((f) => ({ file: f, errors: [] })),
        );
        for (const r of results) expect(r.jobs).toEqual(Object.keys(workflow(path.basename(r.file)).jobs));
    });

    test("the parser check catches broken workflows (unknown key, bad expression, bad permission, typo in preview.yml)", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "wf-"));
        const cases = {
            "unknown-key.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout: 5\n    steps:\n      - run: echo hi\n",
            "bad-expression.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha ) }}\n",
            "bad-permission.yml":
                "on: push\npermissions:\n  id-token: admin\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
            "unknown-context.yml":
                "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nosuchcontext.x }}\n",
            // The real preview.yml with one misspelt key.
            "preview-typo.yml": rawText("preview.yml").replace(
                "\n    permissions:\n      contents: read\n      id-token: write",
                "\n    permisions:\n      contents: read\n      id-token: write",
            ),
        };
        expect(cases["preview-typo.yml"]).toContain("permisions:");
        for (const [name, content] of Object.entries(cases)) writeFileSync(path.join(dir, name), content);
        const results = lint(Object.keys(cases).map((n) => path.join(dir, n)));
        for (const r of results)
            expect({ file: path.basename(r.file), failed: r.errors.length > 0 }).toEqual({ file: path.basename(r.file), failed: true });
        expect(
            must(
                results.find((r) => r.file.endsWith("unknown-key.yml")),
                "the result of unknown-key.yml",
            ).errors.join(),
        ).toMatch(/timeout/);
    });
});

describe("security properties", () => {
    test("no long-lived cloud secrets: no client secret, no credentials JSON, no Pulumi access-token secret", () => {
        for (const f of workflowFiles) {
            expect(rawText(f)).not.toMatch(
                /secrets\.AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET|client-secret|AZURE_CREDENTIALS|secrets\.PULUMI_ACCESS_TOKEN/,
            );
            // No repository secret is needed at all: identifiers come from repository variables.
            expect(rawText(f)).not.toMatch(/\$\{\{\s*secrets\./);
            // Never a privileged trigger that could run fork code with a write token and secrets.
            expect(Object.keys(workflow(f).on)).not.toContain("pull_request_target");
        }
    });

    test("every azure/login uses OIDC with ids from repository variables, and its job may mint an id-token", () => {
        const logins = allJobs().flatMap(([file, id, job]) => stepsUsing(job, "azure/login").map((s) => ({ file, id, job, s })));
        expect(logins.length).toBeGreaterThanOrEqual(5);
        for (const { job, s } of logins) {
            expect(Object.keys(s.with ?? {}).sort()).toEqual(["client-id", "subscription-id", "tenant-id"]);
            for (const v of Object.values(s.with ?? {})) expect(String(v)).toMatch(/^\$\{\{ vars\.[A-Z_]+( \|\| vars\.[A-Z_]+)? \}\}$/);
            expect(job.permissions).toMatchObject({ "id-token": "write" });
            expect(job.env?.ARM_USE_OIDC ?? "true").toBe("true");
        }
    });

    test("least privilege: nothing by default at the top, explicit and narrow per job", () => {
        const allowed: Record<string, string[]> = {
            contents: ["read"],
            "id-token": ["write"],
            "pull-requests": ["write"],
            issues: ["write"],
            actions: ["read"],
        };
        for (const f of workflowFiles) expect(workflow(f).permissions).toEqual({});
        for (const [file, id, job] of allJobs()) {
            expect({ job: `${file}:${id}`, hasPermissions: typeof job.permissions === "object" }).toEqual({
                job: `${file}:${id}`,
                hasPermissions: true,
            });
            for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
                expect(allowed[scope] ?? []).toContain(level);
            }
        }
    });

    test("every action is pinned to a major version or a commit", () => {
        for (const [, , job] of allJobs()) {
            for (const s of job.steps.filter((x) => x.uses && !x.uses.startsWith("./"))) {
                expect(s.uses).toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
            }
        }
    });

    test("Pulumi: OIDC login to Pulumi Cloud unless a self-managed backend is configured", () => {
        for (const [, , job] of allJobs()) {
            const pulumiRuns = stepsUsing(job, "pulumi/actions");
            if (pulumiRuns.length === 0) continue;
            expect(stepsUsing(job, "pulumi/auth-actions")).toHaveLength(1);
            const auth = stepUsing(job, "pulumi/auth-actions");
            expect(auth.if).toBe("vars.PULUMI_BACKEND_URL == ''");
            expect(auth.with?.["requested-token-type"]).toMatch(/^urn:pulumi:token-type:access_token:/);
            for (const s of pulumiRuns.filter((x) => x.with?.command)) {
                expect(s.with?.["cloud-url"]).toBe("${{ vars.PULUMI_BACKEND_URL }}");
            }
        }
    });
});

describe("preview.yml", () => {
    const w = () => workflow("preview.yml");

    test("runs on pull requests and checks the code first", () => {
        expect(Object.keys(w().on)).toEqual(["pull_request"]);
        const check = jobOf(w(), "check");
        expect(check.steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", "npm run check"]);
        expect(jobOf(w(), "preview").needs).toBe("check");
    });

    test("the matrix covers every Pulumi.<stack>.yaml stack (and dev, staging, prod)", () => {
        expect(matrixStacks(jobOf(w(), "preview"))).toEqual(expectedStacks);
        expect(matrixStacks(jobOf(w(), "fork-plan-diff"))).toEqual(expectedStacks);
    });

    test("pulumi preview comments once per stack, edited in place, with the policy pack", () => {
        const job = jobOf(w(), "preview");
        const p = stepUsing(job, "pulumi/actions");
        expect(p.with).toMatchObject({ command: "preview", "comment-on-pr": true, "edit-pr-comment": true, policyPacks: "policy" });
        // pulumi/actions identifies its comment by "`preview` on <project>/<stack-name>": the stack name must vary per matrix entry.
        expect(p.with?.["stack-name"]).toBe("${{ env.STACK_NAME }}");
        expect(job.env?.STACK_NAME).toContain("matrix.stack");
        expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
        expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    });

    test("fork PRs: offline plans of base and head, diff, no credentials of any kind", () => {
        const job = jobOf(w(), "fork-plan-diff");
        expect(job.if).toBe("github.event.pull_request.head.repo.full_name != github.repository");
        expect(job.permissions).toEqual({ contents: "read" });
        const text = jobText(job);
        expect(text).not.toMatch(/secrets\.|vars\.|id-token|ARM_|azure\/login|pulumi\/actions|pulumi\/auth-actions/);
        const checkouts = stepsUsing(job, "actions/checkout");
        expect(checkouts.map((c) => c.with?.ref)).toEqual([
            "${{ github.event.pull_request.head.sha }}",
            "${{ github.event.pull_request.base.sha }}",
        ]);
        for (const c of checkouts) expect(c.with?.["persist-credentials"]).toBe(false);
        const runs = job.steps.map((s) => `${s["working-directory"] ?? "."}: ${s.run ?? ""}`).join("\n");
        expect(runs).toMatch(/base: [^]*npm run plan -- --stack "\$STACK" --json/);
        expect(runs).toMatch(/head: npm run plan -- --stack "\$STACK" --json/);
        expect(runs).toMatch(/npm run --silent plan:diff -- "\$RUNNER_TEMP\/base.json" "\$RUNNER_TEMP\/head.json" > "\$OUT\/diff.md"/);
        expect(stepsUsing(job, "actions/upload-artifact")).toHaveLength(1);
    });

    test("the fork comment is posted by a workflow_run workflow that never runs fork code or holds credentials", () => {
        const c = workflow("fork-plan-comment.yml");
        expect(c.on).toEqual({ workflow_run: { workflows: [w().name], types: ["completed"] } });
        const job = jobOf(c, "comment");
        expect(job.permissions).toEqual({ actions: "read", "pull-requests": "write" });
        expect(stepsUsing(job, "actions/checkout")).toEqual([]);
        expect(job.steps.filter((s) => s.run)).toEqual([]);
        expect(jobText(job)).not.toMatch(/secrets\.|vars\.|id-token/);
        const script = String(stepUsing(job, "actions/github-script").with?.script);
        expect(script).toContain("pull.head.sha !== process.env.HEAD_SHA");
        expect(script).toContain("updateComment");
    });
});

describe("deploy.yml", () => {
    const w = () => workflow("deploy.yml");

    test("push to main: check, up dev, then up prod behind the production environment", () => {
        expect(w().on).toEqual({ push: { branches: ["main"] } });
        const dev = jobOf(w(), "deploy-dev");
        const prod = jobOf(w(), "deploy-prod");
        expect(dev.needs).toBe("check");
        expect(prod.needs).toBe("deploy-dev");
        expect(prod.environment).toBe("production");
        expect(dev.environment).toBeUndefined();
        expect(stepUsing(dev, "pulumi/actions").with).toMatchObject({ command: "up" });
        expect(stepUsing(prod, "pulumi/actions").with).toMatchObject({ command: "up" });
        expect(dev.env?.STACK_NAME).toMatch(/dev/);
        expect(prod.env?.STACK_NAME).toMatch(/prod/);
    });

    test("one deploy per stack at a time, never cancelled mid-flight", () => {
        expect(jobOf(w(), "deploy-dev").concurrency).toEqual({ group: "deploy-dev", "cancel-in-progress": false });
        expect(jobOf(w(), "deploy-prod").concurrency).toEqual({ group: "deploy-prod", "cancel-in-progress": false });
    });
});

describe("preflight before every preview and deploy (issue 15)", () => {
    const jobs: [string, string, string][] = [
        ["preview.yml", "preview", '"$STACK"'],
        ["deploy.yml", "deploy-dev", "dev"],
        ["deploy.yml", "deploy-prod", "prod"],
    ];
    test.each(jobs)("%s %s: preflight runs after both logins and before pulumi, and a failure stops the job", (file, id, stack) => {
        const steps = jobOf(workflow(file), id).steps;
        const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
        const preflight = at((s) => /npm run --silent preflight -- --stack /.test(s.run ?? ""));
        expect(preflight).toBeGreaterThan(at((s) => s.uses?.startsWith("azure/login@") ?? false));
        expect(preflight).toBeGreaterThan(at((s) => s.uses?.startsWith("pulumi/auth-actions@") ?? false));
        expect(preflight).toBeLessThan(at((s) => s.uses?.startsWith("pulumi/actions@") ?? false));
        const step: Step & { "continue-on-error"?: unknown } = must(steps[preflight], `the preflight step of ${file} ${id}`);
        expect(step.run).toContain(`--stack ${stack} `);
        // The table lands in the job summary; a non-zero exit (fail 1, could not run 2) ends the job.
        expect(step.run).toContain('--markdown "$GITHUB_STEP_SUMMARY"');
        expect(step["continue-on-error"]).toBeUndefined();
        expect(step.if).toBeUndefined();
        // Nothing after it runs regardless of its outcome.
        for (const later of steps.slice(preflight + 1)) expect(later.if ?? "").not.toMatch(/always\(\)|failure\(\)|cancelled\(\)/);
    });

    test("a read-only preview identity skips only the role-assignment check", () => {
        const step = must(
            jobOf(workflow("preview.yml"), "preview").steps.find((s) => /preflight/.test(s.run ?? "")),
            "the preflight step of preview.yml",
        );
        expect(step.run).toContain('--skip "$PREFLIGHT_SKIP"');
        expect(step.env?.PREFLIGHT_SKIP).toBe("${{ vars.AZURE_PREVIEW_CLIENT_ID != '' && 'role-assignments' || '' }}");
        for (const id of ["deploy-dev", "deploy-prod"]) expect(jobText(jobOf(workflow("deploy.yml"), id))).not.toContain("--skip");
    });
});

describe("drift.yml and e2e.yml", () => {
    test("drift: nightly + manual, every stack, refresh then preview expecting no changes", () => {
        const d = workflow("drift.yml");
        expect(Object.keys(d.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
        const job = jobOf(d, "drift");
        expect(matrixStacks(job)).toEqual(expectedStacks);
        expect(stepUsing(job, "pulumi/actions").with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
        expect(job.concurrency).toMatchObject({ group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
    });

    test("e2e: manual only, runs npm run test:e2e", () => {
        const e = workflow("e2e.yml");
        expect(Object.keys(e.on)).toEqual(["workflow_dispatch"]);
        expect(jobOf(e, "e2e").steps.map((s) => s.run)).toContain("npm run test:e2e");
        expect(jobOf(e, "e2e").concurrency).toMatchObject({ "cancel-in-progress": false });
    });
});

describe("Node", () => {
    const engines = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    const WORKFLOW_NODE = 22;

    test("engines accepts the LTS lines 20, 22 and 24 (@pulumi/pulumi itself declares >=22)", () => {
        const majors = engines.split("||").map((range) => Number(/^\s*\^(\d+)\.\d+\.\d+\s*$/.exec(range)?.[1]));
        expect(majors).toEqual([20, 22, 24]);
        expect(majors).toContain(WORKFLOW_NODE);
    });

    test("every job that runs npm first sets up Node 22 with actions/setup-node", () => {
        const npmJobs = allJobs().filter(([, , job]) => job.steps.some((s) => /\bnpm\b/.test(s.run ?? "")));
        expect(npmJobs.length).toBeGreaterThanOrEqual(5);
        for (const [file, id, job] of npmJobs) {
            const setup = job.steps.findIndex((s) => s.uses?.split("@")[0] === "actions/setup-node");
            const firstNpm = job.steps.findIndex((s) => /\bnpm\b/.test(s.run ?? ""));
            expect({ job: `${file}:${id}`, setupBeforeNpm: setup >= 0 && setup < firstNpm }).toEqual({
                job: `${file}:${id}`,
                setupBeforeNpm: true,
            });
            expect({ job: `${file}:${id}`, node: job.steps[setup]?.with?.["node-version"] }).toEqual({
                job: `${file}:${id}`,
                node: WORKFLOW_NODE,
            });
        }
    });
});
