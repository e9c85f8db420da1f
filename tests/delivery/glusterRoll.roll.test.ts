/**
 * `npm run gluster:roll` (tools/glusterRoll.ts) against a fake Automation API stack and fake nodes whose
 * `heal info summary` answers are the real outputs captured by the 3-node GlusterFS test (tests/fixtures/gluster/:
 * one brick down with entries pending, then healed). The roll must go one node at a time and never proceed while
 * heal is pending. Also: the heal parser on those outputs, and the CLI without credentials (plan printed, exit 2).
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { healVerdict, parseHealInfo } from "../../lib/glusterHeal";
import { runCommandStdout } from "../../tools/gluster-roll";
import { RollDeps, RollNode, rollGluster, RollStack, RollStopped } from "../../tools/glusterRoll";
import { must } from "../helpers/must";
import { loadPlan } from "../helpers/plans";

const ROOT = path.resolve(__dirname, "../..");
const fixture = (f: string) => readFileSync(path.join(ROOT, "tests/fixtures/gluster", f), "utf8");
const DOWN = fixture("heal-info-summary.down.txt");
const HEALED = fixture("heal-info-summary.healed.txt");
const plan = loadPlan("staging");
const exported = { version: 3, deployment: { resources: plan.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs })) } };
/** The GlusterFS node a `--target` list names (the fake world updates one VM at a time). */
const targetNode = (target: string[]) => {
    const urn = must(target[0], "a target URN");
    return Number(must(/-vm-(\d)$/.exec(urn)?.[1], `the node of ${urn}`));
};

describe("heal info parser, on real GlusterFS 10 output", () => {
    it("reads a brick down and entries pending on the other two (summary)", () => {
        const bricks = parseHealInfo(DOWN);
        expect(bricks.map((b) => [b.brick, b.connected, b.entries, b.pending, b.splitBrain])).toEqual([
            ["10.213.0.11:/srv/gluster/gv", false, undefined, undefined, undefined],
            ["10.213.0.12:/srv/gluster/gv", true, 72, 72, 0],
            ["10.213.0.13:/srv/gluster/gv", true, 73, 73, 0],
        ]);
        const v = healVerdict(DOWN);
        expect(v.healthy).toBe(false);
        expect(v.problems).toEqual([
            "10.213.0.11:/srv/gluster/gv: Transport endpoint is not connected",
            "10.213.0.12:/srv/gluster/gv: entries 72, pending 72",
            "10.213.0.13:/srv/gluster/gv: entries 73, pending 73",
        ]);
    });

    it("reads the per-entry listing of `heal info` too", () => {
        const bricks = parseHealInfo(fixture("heal-info.down.txt"));
        expect(bricks.map((b) => b.connected)).toEqual([false, true, true]);
        expect(must(bricks[1], "the second brick").entries).toBeGreaterThan(0);
        expect(healVerdict(fixture("heal-info.down.txt")).healthy).toBe(false);
        expect(healVerdict(fixture("heal-info.healed.txt")).healthy).toBe(true);
    });

    it("calls healthy only 3 connected bricks with 0 entries", () => {
        expect(healVerdict(HEALED)).toMatchObject({ healthy: true, problems: [] });
        const twoBricks = HEALED.split("\n\n").slice(0, 2).join("\n\n");
        expect(healVerdict(twoBricks).healthy).toBe(false);
        expect(healVerdict(HEALED.replace("Number of entries in split-brain: 0", "Number of entries in split-brain: 1")).healthy).toBe(
            false,
        );
        expect(healVerdict("").healthy).toBe(false);
        expect(healVerdict("Connection failed. Please check if gluster daemon is operational.").healthy).toBe(false);
    });
});

/** A fake volume: a node updated by `up` is down, then its brick comes back and heal drains after `healPolls` checks. */
class FakeWorld {
    events: string[] = [];
    clock = 0;
    /** The node whose brick is away (updated and not healed yet). */
    down?: number;
    private pollsLeft = 0;
    constructor(
        private changed: number[],
        private healPolls: number,
        private healsAtAll = true,
        private failingChecks = 0,
    ) {}

    stack: RollStack = {
        name: "staging",
        exportStack: async () => exported,
        preview: async ({ target }) => {
            this.events.push(`preview ${targetNode(target)}`);
            return { changeSummary: this.changed.includes(targetNode(target)) ? { update: 1, same: 0 } : { same: 1 } };
        },
        up: async ({ target, replace }) => {
            const n = targetNode(target);
            this.events.push(`up ${n}${replace ? " replace" : ""}`);
            this.down = n;
            this.pollsLeft = this.healPolls;
            return { summary: { result: "succeeded" } };
        },
    };

    runner = {
        run: async (node: RollNode, script: string): Promise<string> => {
            expect(script).toBe("gluster --mode=script volume heal pachmeta info summary");
            if (this.down !== undefined) expect(node.index).not.toBe(this.down);
            if (this.failingChecks > 0) {
                this.failingChecks--;
                throw new Error("VM agent not ready");
            }
            if (this.down !== undefined && (!this.healsAtAll || this.pollsLeft-- > 0)) {
                this.events.push("check pending");
                return DOWN;
            }
            this.down = undefined;
            this.events.push("check healed");
            return HEALED;
        },
    };

    deps(): RollDeps {
        return {
            stack: this.stack,
            runner: this.runner,
            log: () => undefined,
            now: () => this.clock,
            sleep: async (ms) => {
                this.clock += ms;
            },
        };
    }
}

const options = { volume: "pachmeta", replace: false, pollMs: 15_000, healTimeoutMs: 30 * 60_000 };

describe("rollGluster against a fake Automation API stack", () => {
    it("updates the changed nodes one at a time, each only once heal is back to 0 entries", async () => {
        const w = new FakeWorld([0, 1, 2], 3);
        const report = await rollGluster(w.deps(), options);
        expect(report).toEqual({ rolled: [0, 1, 2], skipped: [] });
        const pending = ["check pending", "check pending", "check pending", "check healed"];
        expect(w.events).toEqual([
            "preview 0",
            "check healed",
            "up 0",
            ...pending,
            "preview 1",
            "check healed",
            "up 1",
            ...pending,
            "preview 2",
            "check healed",
            "up 2",
            ...pending,
        ]);
    });

    it("skips nodes whose targeted preview shows no change", async () => {
        const w = new FakeWorld([1], 1);
        expect(await rollGluster(w.deps(), options)).toEqual({ rolled: [1], skipped: [0, 2] });
        expect(w.events.filter((e) => e.startsWith("up"))).toEqual(["up 1"]);
    });

    it("never proceeds while heal is pending: stops after the timeout, the next node untouched", async () => {
        const w = new FakeWorld([0, 1, 2], 0, false);
        await expect(rollGluster(w.deps(), options)).rejects.toThrow(RollStopped);
        expect(w.events.filter((e) => e.startsWith("up"))).toEqual(["up 0"]);
        expect(w.clock).toBeGreaterThanOrEqual(options.healTimeoutMs);
    });

    it("does not start while the volume is already healing", async () => {
        const w = new FakeWorld([0, 1, 2], 0, false);
        w.down = 2; // node 2's brick is away before the roll starts
        await expect(rollGluster(w.deps(), options)).rejects.toThrow(/not healthy before node 0/);
        expect(w.events.filter((e) => e.startsWith("up"))).toEqual([]);
    });

    it("retries a failing health check (VM agent not ready) instead of taking it as healthy", async () => {
        const w = new FakeWorld([0], 0, true, 2);
        expect((await rollGluster(w.deps(), options)).rolled).toEqual([0]);
        expect(w.clock).toBe(2 * options.pollMs);
    });

    it("with --replace, replaces every node without previewing", async () => {
        const w = new FakeWorld([], 1);
        expect((await rollGluster(w.deps(), { ...options, replace: true })).rolled).toEqual([0, 1, 2]);
        expect(w.events.filter((e) => !e.startsWith("check"))).toEqual(["up 0 replace", "up 1 replace", "up 2 replace"]);
    });
});

describe("npm run gluster:roll", () => {
    it("extracts the script's stdout from `az vm run-command invoke` JSON", () => {
        const json = JSON.stringify({
            value: [{ code: "ProvisioningState/succeeded", level: "Info", message: `Enable succeeded: \n[stdout]\n${HEALED}\n[stderr]\n` }],
        });
        expect(healVerdict(runCommandStdout(json)).healthy).toBe(true);
        expect(() => runCommandStdout(JSON.stringify({ value: [{ message: "Enable failed" }] }))).toThrow(/unexpected run-command output/);
    });

    it("without credentials prints the roll plan and exits 2", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "gluster-roll-cli-"));
        const planFile = path.join(dir, "staging.json");
        writeFileSync(planFile, JSON.stringify(plan));
        // Only node on the PATH: no `pulumi`, no `az`.
        const r = spawnSync(
            path.join(ROOT, "node_modules/.bin/tsx"),
            [path.join(ROOT, "tools/gluster-roll.ts"), "--stack", "staging", "--plan", planFile],
            {
                encoding: "utf8",
                env: { ...process.env, PATH: path.dirname(process.execPath), PULUMI_HOME: dir },
            },
        );
        expect(r.status).toBe(2);
        expect(r.stdout).toContain("Roll plan for the GlusterFS VMs of stack staging (volume pachmeta), one node at a time:");
        for (const n of [0, 1, 2])
            expect(r.stdout).toContain(
                `--target 'urn:pulumi:staging::pachyderm-azure::pachyderm-azure:metadata:GlusterMetadataStore$azure-native:compute:VirtualMachine::metadata-vm-${n}'`,
            );
        expect(r.stderr).toMatch(/no (Pulumi|Azure) CLI login/);
    });
});
