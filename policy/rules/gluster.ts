/**
 * The GlusterFS rolling-update rule (docs/policy.md rule X) as a CrossGuard stack policy. A policy only sees the planned resources, never the current state, so the state it compares
 * against is given as policy config: `baseline`, the GlusterFS VMs of the current stack (`glusterBaseline()` of a
 * `pulumi stack export` or of a plan; `npm run policy -- --base FILE` builds it, `--write-pack-config FILE` writes it
 * for `pulumi preview --policy-pack policy --policy-pack-config FILE`). Without a baseline the policy does not apply.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { blockingMessage, checkGlusterRoll, RollResource } from "../../lib/glusterRoll";

export const GLUSTER_ROLL_POLICY = "gluster-one-node-at-a-time";

export interface GlusterRollPolicyConfig {
    baseline?: RollResource[];
}

export const glusterOneNodeAtATime: StackValidationPolicy = {
    name: GLUSTER_ROLL_POLICY,
    description:
        "Cross-cutting (GlusterFS replica 3, docs/glusterfs.md): one update replaces or restarts at most one of the three GlusterFS VMs (2 of 3 bricks keep the volume up); compared with policy config `baseline`, the VMs of the current state.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { baseline: { type: "array", items: { type: "object" } } } },
    validateStack: (args, report) => {
        const { baseline } = args.getConfig<GlusterRollPolicyConfig>();
        if (!Array.isArray(baseline)) {
            args.notApplicable("no baseline (policy config `baseline`: the GlusterFS VMs of the current state)");
            return;
        }
        const planned = args.resources.map((r) => ({ urn: r.urn, type: r.type, inputs: r.props, ignoreChanges: r.opts.ignoreChanges }));
        const check = checkGlusterRoll(baseline, planned);
        if (check.blocking) report(blockingMessage(check));
    },
};
