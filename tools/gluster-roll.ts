/**
 * `npm run gluster:roll -- --stack NAME [--replace] [--plan plan.json] [--heal-timeout MIN] [--poll SEC]`
 *
 * Rolls a change of the GlusterFS VMs one node at a time (tools/glusterRoll.ts) with the Pulumi Automation API
 * (`LocalWorkspace.selectStack` on this repository) and checks heal on the nodes with Azure's Run Command
 * (`az vm run-command invoke --command-id RunShellScript`: runs as root through the VM agent, so the nodes need no
 * public IP or SSH path; https://learn.microsoft.com/azure/virtual-machines/linux/run-command; its output is
 * limited to the last 4,096 bytes, hence `heal info summary`).
 *
 * Without credentials (no Pulumi CLI login, or no `az` login) it prints the roll plan, computed offline from the
 * stack's plan (`--plan FILE` written by `npm run plan -- --json`, or planned here under mocks), and exits 2.
 * Exit codes: 0 rolled (or nothing to roll), 1 stopped (heal pending, failed update), 2 usage / no credentials.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import { parseArgs as parseCliArgs, promisify } from "util";
import type { Plan } from "../planner/types";
import { loadStackConfig, REPO_ROOT } from "../planner/index";
import { NodeRunner, RollNode, rollGluster, rollNodes, rollPlan, RollStopped } from "./glusterRoll";

const run = promisify(execFile);

interface Args {
    stack: string;
    replace: boolean;
    plan?: string;
    healTimeoutMs: number;
    pollMs: number;
}

function parseArgs(argv: string[]): Args {
    const { values } = parseCliArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            replace: { type: "boolean", default: false },
            plan: { type: "string" },
            "heal-timeout": { type: "string", default: "30" },
            poll: { type: "string", default: "15" },
        },
    });
    const positive = (flag: string, v: string) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} needs a positive number`);
        return n;
    };
    if (!values.stack) throw new Error("--stack NAME is required");
    return {
        stack: values.stack,
        replace: values.replace,
        plan: values.plan,
        healTimeoutMs: positive("heal-timeout", values["heal-timeout"]) * 60_000,
        pollMs: positive("poll", values.poll) * 1000,
    };
}

/** `az vm run-command invoke` prints `{"value": [{"message": "Enable succeeded: \n[stdout]\n...\n[stderr]\n..."}]}`. */
export function runCommandStdout(json: string): string {
    const message = String((JSON.parse(json) as { value?: { message?: string }[] }).value?.[0]?.message ?? "");
    const stdout = /\[stdout\]\n([\s\S]*?)(?:\n\[stderr\]|$)/.exec(message)?.[1];
    if (stdout === undefined) throw new Error(`unexpected run-command output: ${message.slice(0, 200)}`);
    return stdout;
}

const azRunner: NodeRunner = {
    async run(node: RollNode, script: string): Promise<string> {
        const { stdout } = await run(
            "az",
            [
                "vm",
                "run-command",
                "invoke",
                "--resource-group",
                node.resourceGroup,
                "--name",
                node.vmName,
                "--command-id",
                "RunShellScript",
                "--scripts",
                script,
                "--output",
                "json",
            ],
            { maxBuffer: 1 << 20 },
        );
        return runCommandStdout(stdout);
    },
};

/** Why the roll cannot run for real here, or undefined when the Pulumi CLI is logged in and `az` has an account. */
async function missingCredentials(): Promise<string | undefined> {
    try {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        const ws = await LocalWorkspace.create({ workDir: REPO_ROOT });
        await ws.whoAmI();
    } catch (e) {
        return `no Pulumi CLI login: the pulumi CLI is missing or not logged in (${(e as Error).message.split("\n")[0]})`;
    }
    try {
        await run("az", ["account", "show", "--output", "none"]);
    } catch (e) {
        return `no Azure CLI login: az is missing or has no account (${(e as Error).message.split("\n")[0]})`;
    }
    return undefined;
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(
            `gluster:roll: ${(e as Error).message}\nusage: npm run gluster:roll -- --stack NAME [--replace] [--plan plan.json] [--heal-timeout MIN] [--poll SEC]`,
        );
        return 2;
    }
    const source = loadStackConfig(args.stack);
    const volume = source.config[`${source.project}:glusterVolumeName`];
    // Pulumi.yaml gives the key a default, so the loaded config always has it.
    if (volume === undefined) throw new Error(`${source.project}:glusterVolumeName is not in the config of stack ${args.stack}`);
    const options = { volume, replace: args.replace, healTimeoutMs: args.healTimeoutMs, pollMs: args.pollMs };

    const why = await missingCredentials();
    if (why) {
        let plan: Plan;
        if (args.plan) plan = JSON.parse(fs.readFileSync(args.plan, "utf8")) as Plan;
        else plan = await (await import("../planner/index")).planStack(args.stack);
        console.log(rollPlan(args.stack, rollNodes(plan), options).join("\n"));
        console.error(`gluster:roll: ${why}: printed the roll plan only.`);
        return 2;
    }

    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const stack = await LocalWorkspace.selectStack({ stackName: args.stack, workDir: REPO_ROOT });
    console.log(rollPlan(args.stack, rollNodes(await stack.exportStack()), options).join("\n"));
    try {
        const report = await rollGluster(
            {
                stack,
                runner: azRunner,
                log: (l) => console.log(l),
                sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
                now: () => Date.now(),
            },
            options,
        );
        console.log(`gluster:roll: rolled node(s) [${report.rolled.join(", ")}], unchanged [${report.skipped.join(", ")}]`);
        return 0;
    } catch (e) {
        if (e instanceof RollStopped) {
            console.error(`gluster:roll: STOPPED: ${e.message}`);
            return 1;
        }
        throw e;
    }
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(err instanceof Error ? (err.stack ?? err.message) : err);
            process.exit(1);
        },
    );
}
