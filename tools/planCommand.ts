import * as path from "path";

/**
 * How a plan is run: plain Node with tools/register.cjs (no tsx on the hot path) and a larger young
 * generation (fewer scavenges of Pulumi's many short-lived promises; `npm run bench` measured 4.6 s
 * of CPU without it and 4.3 s with it). `npm run plan` (package.json), `npm run bench` and the test
 * setup run this same command; tests/planCommand.test.ts holds package.json to it.
 */
export const PLAN_NODE_FLAGS = ["--max-semi-space-size=64", "-r", "./tools/register.cjs"];

/** The node arguments that plan with `args`, from the repository root `root`. */
export function planNodeArgs(root: string, args: string[]): string[] {
    return [...PLAN_NODE_FLAGS.map((f) => (f.startsWith("./") ? path.join(root, f) : f)), path.join(root, "tools", "plan.ts"), ...args];
}
