/**
 * Runs the real program (index.ts) once per config case, in one plain-Node process, and tells for each
 * case when it was refused: by the CLI's own stack-file rules, by the program before any resource was
 * declared, or after resources were declared (the failure issue 13 forbids). Cases are JSON on stdin,
 * outcomes JSON on stdout:
 *
 *     node -r ./tools/register.cjs tests/helpers/programRuns.ts < cases.json
 *
 * Plain Node, not Jest: Jest's module registry cannot forget one module, so index.ts (the composition
 * root, which runs at load) would run only once. Here it is dropped from require.cache before each case
 * while components and the Pulumi SDK stay loaded, which keeps a run at tens of milliseconds.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { loadStackConfig, REPO_ROOT, StackConfigError } from "../../planner";
import { captureRegistrations } from "../../planner/capture";
import { AzureLikeMocks } from "../../planner/mocks";

export interface ProgramCase {
    stack: string;
    /** Config values over the stack file, as `--set` would give them (`key` or `<namespace>:key`). */
    overrides: Record<string, unknown>;
}

export type ProgramOutcome =
    | { kind: "cli-refused"; message: string }
    | { kind: "refused-up-front"; message: string }
    | { kind: "planned"; resources: number }
    | { kind: "refused-late"; message: string; resources: number };

const INDEX = path.join(REPO_ROOT, "index.ts");

async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- runtime internals: wait for the RPC queue to drain
    const settings = require("@pulumi/pulumi/runtime/settings");
    for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        await settings.waitForRPCs();
    }
}

async function runCase(c: ProgramCase, asyncErrors: unknown[]): Promise<ProgramOutcome> {
    let source;
    try {
        source = loadStackConfig(c.stack, REPO_ROOT, c.overrides);
    } catch (e) {
        if (e instanceof StackConfigError) return { kind: "cli-refused", message: e.message };
        throw e;
    }
    pulumi.runtime.setAllConfig(source.config, source.secretKeys);
    await pulumi.runtime.setMocks(new AzureLikeMocks(), source.project, c.stack, false);
    const captured = captureRegistrations();
    asyncErrors.length = 0;
    let thrown: unknown;
    delete require.cache[INDEX];
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program runs at load, after the mocks are installed
        require(INDEX);
    } catch (e) {
        thrown = e;
    }
    await settle().catch((e: unknown) => asyncErrors.push(e));
    const error = thrown ?? asyncErrors[0];
    if (error === undefined) return { kind: "planned", resources: captured.length };
    const message = error instanceof Error ? error.message : String(error);
    if (thrown !== undefined && captured.length === 0 && (thrown as Error).name === "ConfigValidationError")
        return { kind: "refused-up-front", message };
    return { kind: "refused-late", message, resources: captured.length };
}

async function main(): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const cases: ProgramCase[] = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    // Errors inside applies surface as rejections after the program has returned: they count as late.
    const asyncErrors: unknown[] = [];
    process.on("unhandledRejection", (e) => asyncErrors.push(e));
    // The program's warnings go to the engine log; here they would only drown the outcomes.
    pulumi.log.warn = () => Promise.resolve();
    const outcomes: ProgramOutcome[] = [];
    for (const c of cases) outcomes.push(await runCase(c, asyncErrors));
    process.stdout.write(JSON.stringify(outcomes));
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
