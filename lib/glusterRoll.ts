/**
 * Which changes of the GlusterFS VMs take a node down, and the rule that an update may take down at most one of
 * the three nodes (replica 3 with client quorum: 2 of 3 bricks must stay up for reads and writes). Used by the plan
 * diff (planner/planDiff.ts), the policy pack (policy/rules/gluster.ts) and `npm run gluster:roll` (tools/glusterRoll.ts).
 *
 * A node is down while its VM is replaced (every GlusterFS VM is `deleteBeforeReplace`) or restarted. The property
 * lists below are facts about Azure Resource Manager and the azure-native provider, each with its source; a change
 * under a path the resource ignores (`ignoreChanges`) never reaches the provider and is not counted.
 */
import { diffValues, formatPath, isPrefix, LeafChange, parsePath } from "./propertyPaths";
import { replacementRules } from "./resourceTypes";
import { SECRET_MARKER } from "./secretMarker";

/** Type token of the component that owns the three GlusterFS VMs (components/glusterVolumes.ts). */
const GLUSTER_STORE_TYPE = "pachyderm-azure:metadata:GlusterMetadataStore";
export const GLUSTER_NODE_COUNT = 3;

type Disruption = "replace" | "restart";

interface VmPropertyRule {
    path: string;
    effect: Disruption;
    why: string;
}

/**
 * VM inputs whose change replaces the VM, or needs it stopped (a restart for the node). The replacing ones are the
 * VM's replacement rules in the registry (lib/resourceTypes.ts, with their sources). Restarting:
 * - `hardwareProfile`: "If the virtual machine is currently running, changing its size will cause it to restart."
 *   (https://learn.microsoft.com/azure/virtual-machines/sizes/resize-vm).
 * Settings Azure changes only on a deallocated VM (encryption at host, the OS disk's type) are not listed: on a
 * running VM the update fails instead of taking the node down.
 */
export const VM_DISRUPTIVE_PROPERTIES: readonly VmPropertyRule[] = [
    ...replacementRules("azure-native:compute:VirtualMachine").map((r) => ({ path: r.path, effect: "replace" as const, why: r.why })),
    { path: "hardwareProfile", effect: "restart", why: "resizing a running VM restarts it" },
];

/** What `npm run gluster:roll` needs to know of a resource; plan resources, policy resources and `pulumi stack export` resources all fit. */
export interface RollResource {
    urn: string;
    type: string;
    inputs?: Record<string, unknown>;
    ignoreChanges?: string[];
}

/** Node index of a GlusterFS VM (a `VirtualMachine` child of the GlusterVolumes component named `<component>-vm-<i>`), else undefined. */
export function glusterNodeOf(r: Pick<RollResource, "urn" | "type">): number | undefined {
    if (!/^azure-native:compute(\/[^:]+)?:VirtualMachine$/.test(r.type)) return undefined;
    // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
    const [, , types = "", name = ""] = r.urn.split("::");
    const chain = types.split("$");
    if (chain[chain.length - 2] !== GLUSTER_STORE_TYPE) return undefined;
    const m = /-vm-(\d+)$/.exec(name);
    return m ? Number(m[1]) : undefined;
}

/** The stack a URN belongs to. */
function stackOfUrn(urn: string): string {
    return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1] ?? "";
}

interface PropertyChange {
    path: string;
    before: unknown;
    after: unknown;
    effect: Disruption;
    why: string;
}

interface NodeDisruption {
    node: number;
    urn: string;
    effect: Disruption;
    /** The changed inputs that take the node down (empty when the URN itself changed or the VM is removed). */
    changes: PropertyChange[];
    /** Set when the node is removed or its URN changed (Pulumi deletes and creates it). */
    note?: string;
}

export interface RollCheck {
    stack: string;
    disruptions: NodeDisruption[];
    /** Two or more of the three nodes down in one update. */
    blocking: boolean;
}

/** Disruptive changes of one VM's inputs, ignoring paths under its `ignoreChanges`. */
function disruptiveChanges(
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    ignoreChanges: readonly string[] = [],
): PropertyChange[] {
    const leaves: LeafChange[] = [];
    diffValues(before, after, [], leaves);
    const ignored = ignoreChanges.map(parsePath);
    const out: PropertyChange[] = [];
    for (const c of leaves) {
        if (ignored.some((p) => isPrefix(p, c.path))) continue;
        const rule = VM_DISRUPTIVE_PROPERTIES.find((r) => isPrefix(parsePath(r.path), c.path));
        if (rule) out.push({ path: formatPath(c.path), before: c.before, after: c.after, effect: rule.effect, why: rule.why });
    }
    return out;
}

/** Compares the GlusterFS VMs of two resource lists (the current state and the planned one). */
export function checkGlusterRoll(base: readonly RollResource[], head: readonly RollResource[]): RollCheck {
    const nodes = (rs: readonly RollResource[]) => {
        const m = new Map<number, RollResource>();
        for (const r of rs) {
            const n = glusterNodeOf(r);
            if (n !== undefined) m.set(n, r);
        }
        return m;
    };
    const before = nodes(base);
    const after = nodes(head);
    const disruptions: NodeDisruption[] = [];
    for (const [node, b] of [...before].sort(([x], [y]) => x - y)) {
        const h = after.get(node);
        if (!h) {
            disruptions.push({ node, urn: b.urn, effect: "replace", changes: [], note: "removed from the program" });
            continue;
        }
        if (h.urn !== b.urn) {
            disruptions.push({
                node,
                urn: h.urn,
                effect: "replace",
                changes: [],
                note: `URN changed from ${b.urn} (Pulumi deletes and recreates it)`,
            });
            continue;
        }
        const changes = disruptiveChanges(b.inputs ?? {}, h.inputs ?? {}, h.ignoreChanges ?? []);
        if (changes.length > 0) {
            disruptions.push({ node, urn: h.urn, effect: changes.some((c) => c.effect === "replace") ? "replace" : "restart", changes });
        }
    }
    const stack = stackOfUrn(head[0]?.urn ?? base[0]?.urn ?? "");
    return { stack, disruptions, blocking: disruptions.length >= 2 };
}

export function rollCommand(stack: string): string {
    return `npm run gluster:roll -- --stack ${stack || "<stack>"}`;
}

/** VM inputs that may hold credentials: their values are never printed (the engine may hand policies plain values). */
const SECRET_VM_INPUTS = ["osProfile.customData", "osProfile.adminPassword"].map(parsePath);

const show = (v: unknown): string => (v === undefined ? "(absent)" : JSON.stringify(v));

/** One line per disrupted node: the changed inputs, old and new values. */
export function describeDisruption(d: NodeDisruption): string {
    if (d.note) return `node ${d.node} replaced: ${d.note}`;
    const changes = d.changes.map((c) => {
        const secret = SECRET_VM_INPUTS.some((p) => isPrefix(p, parsePath(c.path)));
        const values = secret ? `${SECRET_MARKER} -> ${SECRET_MARKER}` : `${show(c.before)} -> ${show(c.after)}`;
        return `${c.path} ${values} (${c.effect}: ${c.why})`;
    });
    return `node ${d.node} ${d.effect === "replace" ? "replaced" : "restarted"}: ${changes.join("; ")}`;
}

/** The blocking message: the nodes, the changed inputs, and the command that rolls the change safely. */
export function blockingMessage(check: RollCheck): string {
    return [
        `${check.disruptions.length} of ${GLUSTER_NODE_COUNT} GlusterFS nodes would be replaced or restarted in one update: ` +
            "the replica-3 volume (etcd and PostgreSQL of Pachyderm) would lose quorum and stop serving.",
        ...check.disruptions.map(describeDisruption),
        `Roll the change one node at a time, waiting for self-heal between nodes: ${rollCommand(check.stack)}`,
    ].join("\n");
}

/**
 * The GlusterFS VMs of a plan (`npm run plan -- --json`, `resources[]`) or of a `pulumi stack export`
 * (`deployment.resources[]`): the baseline the policy compares a preview against.
 */
export function glusterBaseline(doc: unknown): RollResource[] {
    const d = doc as { resources?: unknown; deployment?: { resources?: unknown } } | null;
    const list = Array.isArray(d?.resources) ? d.resources : Array.isArray(d?.deployment?.resources) ? d.deployment.resources : undefined;
    if (!list) throw new Error("neither a plan (resources[]) nor a stack export (deployment.resources[])");
    return (list as RollResource[])
        .filter((r) => typeof r?.urn === "string" && typeof r?.type === "string" && glusterNodeOf(r) !== undefined)
        .map((r) => ({ urn: r.urn, type: r.type, inputs: r.inputs ?? {} }));
}
