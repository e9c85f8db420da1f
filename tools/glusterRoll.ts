/**
 * The rolling update of the three GlusterFS VMs behind `npm run gluster:roll` (CLI: tools/gluster-roll.ts).
 *
 * Desired state: the roll drives `--target` updates from the stack's FINAL config (no per-node size or image keys).
 * Each targeted update brings one VM to the config; the others keep their state until their turn, so a roll that
 * stops half-way is resumed by running it again (a targeted preview shows which nodes still differ). A plain
 * `pulumi up` in between would change every remaining node at once: the policy and the plan diff block it when 2+
 * remain (lib/glusterRoll.ts).
 *
 * Per node, in order 0, 1, 2, only for nodes whose targeted preview shows a change (every node with `--replace`):
 *   1. health gate: `gluster volume heal <vol> info summary` on another node shows 3 connected bricks and 0 entries;
 *      while it does not, wait (bounded); never go on with heal pending;
 *   2. `pulumi up --target <vm urn>` (plus `--replace <vm urn>` with `--replace`: a new bootstrap or image reaches a
 *      VM only through a replacement, customData being ignored);
 *   3. wait until the node's brick is back and self-heal reports 0 entries on all 3 bricks (same check).
 * Dependencies are injected (the Automation API stack and a way to run a command on a node) so the sequence is
 * tested against a fake workspace (tests/delivery/glusterRoll.roll.test.ts).
 */
import { glusterBaseline, glusterNodeOf, RollResource } from "../lib/glusterRoll";
import { healVerdict } from "../lib/glusterHeal";

/** The part of an Automation API `Stack` (@pulumi/pulumi/automation) the roll uses. */
export interface RollStack {
    readonly name: string;
    exportStack(): Promise<{ deployment: unknown }>;
    preview(opts: { target: string[]; replace?: string[] }): Promise<{ changeSummary: Partial<Record<string, number>> }>;
    up(opts: { target: string[]; replace?: string[]; onOutput?: (out: string) => void }): Promise<{ summary: { result: string } }>;
}

export interface RollNode {
    index: number;
    urn: string;
    vmName: string;
    resourceGroup: string;
}

/** Runs a shell script as root on a node and returns its standard output (az vm run-command in the CLI). */
export interface NodeRunner {
    run(node: RollNode, script: string): Promise<string>;
}

export interface RollDeps {
    stack: RollStack;
    runner: NodeRunner;
    sleep(ms: number): Promise<void>;
    now(): number;
    log(line: string): void;
}

interface RollOptions {
    volume: string;
    /** Replace every node (`--replace`), not only those whose targeted preview shows a change. */
    replace: boolean;
    pollMs: number;
    /** Longest wait for a healthy, fully healed volume, before and after each node. */
    healTimeoutMs: number;
}

export class RollStopped extends Error {}

/** Operations of a targeted preview that touch the VM (anything but `same`/`read`). */
const CHANGING_OPS = ["create", "update", "delete", "replace", "create-replacement", "delete-replaced"];

/** The three GlusterFS nodes of a plan or a stack export, node 0 first. */
export function rollNodes(doc: unknown): RollNode[] {
    const nodes = glusterBaseline(doc)
        .map((r: RollResource) => ({
            index: glusterNodeOf(r)!,
            urn: r.urn,
            vmName: String(r.inputs?.vmName ?? ""),
            resourceGroup: String(r.inputs?.resourceGroupName ?? ""),
        }))
        .sort((a, b) => a.index - b.index);
    if (nodes.length !== 3)
        throw new RollStopped(`expected 3 GlusterFS VMs in the stack, found ${nodes.length} (is metadataStoreKind glusterfs?)`);
    return nodes;
}

/** The health script run on a node: the one command whose output decides (run-command keeps only the last 4 KiB). */
function healScript(volume: string): string {
    if (!/^[a-z][a-z0-9-]{1,30}$/.test(volume)) throw new RollStopped(`invalid volume name ${JSON.stringify(volume)}`);
    return `gluster --mode=script volume heal ${volume} info summary`;
}

/** The node asked about the volume while `node` is rolled: the next one (never the node itself, which may be down). */
function witnessOf(nodes: RollNode[], node: RollNode): RollNode {
    const witness = nodes[(node.index + 1) % nodes.length];
    if (!witness) throw new RollStopped(`no node to ask about the volume while node ${node.index} rolls`);
    return witness;
}

export function rollPlan(stack: string, nodes: RollNode[], opts: Pick<RollOptions, "volume" | "replace" | "healTimeoutMs">): string[] {
    const minutes = Math.round(opts.healTimeoutMs / 60000);
    const lines = [`Roll plan for the GlusterFS VMs of stack ${stack} (volume ${opts.volume}), one node at a time:`];
    for (const n of nodes) {
        const w = witnessOf(nodes, n);
        lines.push(
            `  node ${n.index}: ${n.vmName} (${n.urn})`,
            `    1. wait until \`${healScript(opts.volume)}\` on ${w.vmName} shows 3 connected bricks and 0 entries (at most ${minutes} min; never proceed while heal is pending)`,
            `    2. ${opts.replace ? "" : "if its targeted preview shows a change: "}pulumi up --stack ${stack} --target '${n.urn}'${opts.replace ? ` --replace '${n.urn}'` : ""}`,
            `    3. wait until its brick is back and self-heal reports 0 entries on all 3 bricks (same check, at most ${minutes} min)`,
        );
    }
    return lines;
}

async function waitHealthy(deps: RollDeps, opts: RollOptions, witness: RollNode, what: string): Promise<void> {
    const deadline = deps.now() + opts.healTimeoutMs;
    let last = "";
    for (;;) {
        let problems: string[];
        try {
            const verdict = healVerdict(await deps.runner.run(witness, healScript(opts.volume)));
            if (verdict.healthy) {
                deps.log(`  healthy (${what}): 3 bricks connected, 0 entries`);
                return;
            }
            problems = verdict.problems;
        } catch (e) {
            problems = [`health check on ${witness.vmName} failed: ${(e as Error).message}`];
        }
        const summary = problems.join("; ");
        if (summary !== last) deps.log(`  waiting (${what}): ${summary}`);
        last = summary;
        if (deps.now() >= deadline) {
            throw new RollStopped(
                `not healthy ${what} after ${Math.round(opts.healTimeoutMs / 1000)}s: ${summary}. ` +
                    'The roll stops here; rerun it once `heal info summary` shows 0 entries (docs/glusterfs.md, "A roll that stopped half-way").',
            );
        }
        await deps.sleep(opts.pollMs);
    }
}

interface RollReport {
    rolled: number[];
    skipped: number[];
}

export async function rollGluster(deps: RollDeps, opts: RollOptions): Promise<RollReport> {
    const nodes = rollNodes(await deps.stack.exportStack());
    const report: RollReport = { rolled: [], skipped: [] };
    for (const node of nodes) {
        const target = { target: [node.urn], ...(opts.replace ? { replace: [node.urn] } : {}) };
        if (!opts.replace) {
            const preview = await deps.stack.preview(target);
            const ops = CHANGING_OPS.filter((op) => (preview.changeSummary[op] ?? 0) > 0);
            if (ops.length === 0) {
                deps.log(`node ${node.index} (${node.vmName}): no change, skipped`);
                report.skipped.push(node.index);
                continue;
            }
            deps.log(`node ${node.index} (${node.vmName}): ${ops.map((op) => `${op} ${preview.changeSummary[op]}`).join(", ")}`);
        }
        const witness = witnessOf(nodes, node);
        await waitHealthy(deps, opts, witness, `before node ${node.index}`);
        deps.log(`node ${node.index}: pulumi up --target ${node.urn}${opts.replace ? " --replace" : ""}`);
        const up = await deps.stack.up({ ...target, onOutput: (out) => deps.log(out.trimEnd()) });
        if (up.summary.result !== "succeeded") throw new RollStopped(`pulumi up of node ${node.index} ended '${up.summary.result}'`);
        await waitHealthy(deps, opts, witness, `after node ${node.index}`);
        report.rolled.push(node.index);
    }
    return report;
}
