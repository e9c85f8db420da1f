import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { planNodeArgs } from "../tools/planCommand";
import { PLAN_CACHE_DIR } from "./helpers/plans";

const run = promisify(execFile);

/**
 * Plans every stack once per test run, each in its own process (a Pulumi program registers its
 * resources once per process), so that the suites read the same plans the CLI writes.
 */
export default async function globalSetup(): Promise<void> {
    const root = path.resolve(__dirname, "..");
    fs.rmSync(PLAN_CACHE_DIR, { recursive: true, force: true });
    fs.mkdirSync(PLAN_CACHE_DIR, { recursive: true });
    const stacks = fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s);
    await Promise.all(
        stacks.map((stack) =>
            run(process.execPath, planNodeArgs(root, ["--stack", stack, "--quiet", "--json", path.join(PLAN_CACHE_DIR, `${stack}.json`)]), {
                cwd: root,
            }).catch((err) => {
                throw new Error(`plan of stack ${stack} failed:\n${err.stderr ?? err.message}`);
            }),
        ),
    );
}
