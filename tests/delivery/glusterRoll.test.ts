/**
 * The GlusterFS rolling-update rule (lib/glusterRoll.ts) in the plan diff and the policy pack, on the real staging
 * plan (the glusterfs stack, planned by tests/globalSetup.ts) and changed copies of it.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { Plan, PlanResource } from "../../planner/types";
import { checkGlusterRoll, glusterBaseline, glusterNodeOf, VM_DISRUPTIVE_PROPERTIES } from "../../lib/glusterRoll";
import { diffPlans, isBlocking } from "../../planner/planDiff";
import { renderMarkdown } from "../../planner/planDiffMarkdown";
import { loadStackConfig } from "../../planner/index";
import { GLUSTER_ROLL_POLICY, glusterOneNodeAtATime } from "../../policy/rules/gluster";
import { must } from "../helpers/must";
import { evaluatePolicies } from "../helpers/policyEngine";
import { loadPlan } from "../helpers/plans";

const ROOT = path.resolve(__dirname, "../..");
const base = loadPlan("staging");
const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p));
/** The GlusterFS VMs of a plan with their node numbers, in node order. */
const nodesOf = (p: Plan): { node: number; vm: PlanResource }[] =>
    p.resources
        .flatMap((vm) => {
            const node = glusterNodeOf(vm);
            return node === undefined ? [] : [{ node, vm }];
        })
        .sort((a, b) => a.node - b.node);
const vmsOf = (p: Plan): PlanResource[] => nodesOf(p).map((n) => n.vm);
/** The VirtualMachine inputs these tests read or change (azure-native compute VirtualMachineArgs). */
type VmInputs = {
    hardwareProfile: { vmSize: string };
    zones?: string[];
    storageProfile: { imageReference: { sku: string } };
    osProfile: { customData?: string };
    tags?: Record<string, string>;
};
/** A copy of the staging plan with `change` applied to the GlusterFS VMs of the given nodes. */
function changed(nodes: number[], change: (inputs: VmInputs) => void): Plan {
    const head = clone(base);
    for (const { node, vm } of nodesOf(head)) if (nodes.includes(node)) change(vm.inputs as VmInputs);
    return head;
}
const resize = (i: VmInputs) => {
    i.hardwareProfile.vmSize = "Standard_D4ds_v5";
};

describe("the GlusterFS VMs of the staging plan", () => {
    it("are found as nodes 0, 1, 2 of the GlusterVolumes component, sized from config glusterVmSize", () => {
        const vms = vmsOf(base);
        expect(vms.map((v) => glusterNodeOf(v))).toEqual([0, 1, 2]);
        const size = loadStackConfig("staging").config["pachyderm-azure:glusterVmSize"];
        expect(vms.map((v) => (v.inputs as VmInputs).hardwareProfile.vmSize)).toEqual([size, size, size]);
        // The ingress VM is not a GlusterFS node.
        expect(base.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine").length).toBe(4);
    });

    it("ignore customData (a bootstrap change reaches them only by replacement)", () => {
        for (const vm of vmsOf(base)) expect(vm.ignoreChanges).toContain("osProfile.customData");
    });
});

describe("plan diff: which changes of the GlusterFS VMs count", () => {
    it("flags a resize of all three VMs as blocking, names the changed input and the roll command, before the summary", () => {
        const d = diffPlans(base, changed([0, 1, 2], resize));
        expect(d.glusterRoll.blocking).toBe(true);
        expect(isBlocking(d)).toBe(true);
        expect(d.glusterRoll.disruptions.map((x) => [x.node, x.effect, x.changes.map((c) => c.path)])).toEqual([
            [0, "restart", ["hardwareProfile.vmSize"]],
            [1, "restart", ["hardwareProfile.vmSize"]],
            [2, "restart", ["hardwareProfile.vmSize"]],
        ]);
        const md = renderMarkdown(d);
        const block = md.indexOf("Blocking: 3 of 3 GlusterFS nodes");
        expect(block).toBeGreaterThan(-1);
        expect(block).toBeLessThan(md.indexOf("to add"));
        expect(md).toContain("`npm run gluster:roll -- --stack staging`");
        expect(md).toContain(
            'node 1 restarted: hardwareProfile.vmSize "Standard_D2ds_v5" -> "Standard_D4ds_v5" (restart: resizing a running VM restarts it)',
        );
    });

    it("lets one node change at a time", () => {
        const d = diffPlans(base, changed([1], resize));
        expect(d.glusterRoll.disruptions.map((x) => x.node)).toEqual([1]);
        expect(d.glusterRoll.blocking).toBe(false);
        expect(renderMarkdown(d)).not.toContain("Blocking");
    });

    it("counts replacements (zones, image) and removals, not changes under ignoreChanges or harmless ones", () => {
        const zones = diffPlans(
            base,
            changed([0, 2], (i) => {
                i.zones = ["2"];
            }),
        );
        expect(zones.glusterRoll.disruptions.map((x) => `${x.node}:${x.effect}`)).toEqual(["0:replace", "2:replace"]);
        const image = diffPlans(
            base,
            changed([0, 1], (i) => {
                i.storageProfile.imageReference.sku = "minimal";
            }),
        );
        expect(image.glusterRoll.blocking).toBe(true);
        const bootstrap = diffPlans(
            base,
            changed([0, 1, 2], (i) => {
                i.osProfile.customData = "I2Nsb3VkLWNvbmZpZyBuZXc=";
            }),
        );
        expect(bootstrap.glusterRoll.disruptions).toEqual([]);
        const tags = diffPlans(
            base,
            changed([0, 1, 2], (i) => {
                i.tags = { ...i.tags, owner: "someone-else" };
            }),
        );
        expect(tags.glusterRoll.disruptions).toEqual([]);
        const removed = clone(base);
        removed.resources = removed.resources.filter((r) => glusterNodeOf(r) !== 2);
        expect(checkGlusterRoll(base.resources, removed.resources).disruptions.map((x) => x.note)).toEqual(["removed from the program"]);
    });

    it("treats a changed URN (component renamed without alias) as a replacement of every node", () => {
        const head = clone(base);
        for (const vm of vmsOf(head)) {
            vm.urn = vm.urn.replace("::metadata-vm-", "::store-vm-");
            vm.name = vm.name.replace("metadata-", "store-");
        }
        const check = checkGlusterRoll(base.resources, head.resources);
        expect(check.blocking).toBe(true);
        expect(check.disruptions.every((x) => x.effect === "replace" && /URN changed/.test(x.note ?? ""))).toBe(true);
    });
});

describe("plan diff: the rules' inputs and `npm run plan:diff`", () => {
    it("every rule names a VM input of the azure-native VirtualMachine", () => {
        const args = readFileSync(path.join(ROOT, "node_modules/@pulumi/azure-native/compute/virtualMachine.d.ts"), "utf8");
        const argsBlock = args.slice(args.indexOf("export interface VirtualMachineArgs"));
        for (const r of VM_DISRUPTIVE_PROPERTIES) expect(argsBlock).toMatch(new RegExp(`\\n\\s+${r.path.split(".")[0]}\\??: `));
    });

    it("`npm run plan:diff -- --fail-on-blocking` exits 1 on the blocking diff, 0 on a one-node change", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "gluster-roll-"));
        const write = (name: string, p: Plan) => {
            const f = path.join(dir, name);
            writeFileSync(f, JSON.stringify(p));
            return f;
        };
        const b = write("base.json", base);
        const run = (head: Plan) =>
            spawnSync(
                path.join(ROOT, "node_modules/.bin/tsx"),
                [path.join(ROOT, "tools/plan-diff.ts"), b, write("head.json", head), "--fail-on-blocking"],
                { encoding: "utf8" },
            );
        const all = run(changed([0, 1, 2], resize));
        expect(all.status).toBe(1);
        expect(all.stdout).toContain("Blocking: 3 of 3 GlusterFS nodes");
        expect(run(changed([2], resize)).status).toBe(0);
    });
});

describe(`policy ${GLUSTER_ROLL_POLICY}`, () => {
    const config = { [GLUSTER_ROLL_POLICY]: { baseline: glusterBaseline(base) } };

    it("reports a resize of all three VMs, against the current state given as baseline, with the inputs and the command", async () => {
        const e = await evaluatePolicies(changed([0, 1, 2], resize).resources, [glusterOneNodeAtATime], config);
        expect(e.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
        const msg = must(e.violations[0], "the violation").message;
        expect(msg).toContain("3 of 3 GlusterFS nodes would be replaced or restarted in one update");
        expect(msg).toContain("hardwareProfile.vmSize");
        expect(msg).toContain("npm run gluster:roll -- --stack staging");
    });

    it("passes one node at a time, and does not apply without a baseline", async () => {
        const one = await evaluatePolicies(changed([0], resize).resources, [glusterOneNodeAtATime], config);
        expect(must(one.perPolicy[0], "the policy's result").status).toBe("pass");
        const none = await evaluatePolicies(changed([0, 1, 2], resize).resources, [glusterOneNodeAtATime]);
        expect(must(none.perPolicy[0], "the policy's result").status).toBe("n/a");
    });

    it("takes its baseline from a `pulumi stack export` as well as from a plan", () => {
        const exported = {
            version: 3,
            deployment: {
                manifest: {},
                resources: base.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs, outputs: {} })),
            },
        };
        expect(glusterBaseline(exported)).toEqual(glusterBaseline(base));
        expect(glusterBaseline(base).map((r) => glusterNodeOf(r))).toEqual([0, 1, 2]);
        expect(() => glusterBaseline({})).toThrow(/neither a plan/);
    });
});
