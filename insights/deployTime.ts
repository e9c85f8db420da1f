/**
 * Expected wall time of a first `pulumi up` of a Plan: the longest path through the dependency DAG,
 * each resource weighted by its typical creation time (insights/creation-times.json), assuming
 * unlimited parallelism (Pulumi's default).
 *
 * Graph: nodes are the non-component resources; an edge d -> r exists for every entry d of
 * `r.dependencies` (explicit `dependsOn` plus implicit ones through inputs). A dependency on a
 * component stands for all of the component's (transitive) non-component children. Dependencies on
 * URNs not in the plan are ignored (listed in `ignoredDependencies`).
 *
 * `flaggedDependsOn` lists explicit `dependsOn` edges on the critical path whose removal would shorten
 * the deployment, i.e. the target is not also reached through another (data) dependency. Limitation:
 * the plan's `dependencies` is the union of explicit and implicit edges, so a target that is both in
 * `dependsOn` and used through inputs cannot be told apart; review flagged edges before removing them.
 */
import type { Plan, PlanResource } from "../planner/types";
import { normalizeType } from "../lib/resourceTypes";
import timesJson from "./creation-times.json";

export interface CreationTime {
    seconds: number;
    source: string;
    /** Extra seconds when a PostgreSQL server has zone-redundant or same-zone HA. */
    haExtraSeconds?: number;
}

export interface CreationTimes {
    types: Record<string, CreationTime>;
    /** `prefix*` patterns, matched in order after exact types. */
    patterns: { match: string; seconds: number; source: string }[];
    default: { seconds: number; source: string };
}

export const CREATION_TIMES = timesJson as unknown as CreationTimes;

export interface PathStep {
    urn: string;
    type: string;
    seconds: number;
    /** Seconds from the start of `pulumi up` at which this resource is expected to be created. */
    finishSeconds: number;
}

export interface FlaggedDependsOn {
    /** The resource that declares the `dependsOn`. */
    from: string;
    /** The declared `dependsOn` target (a resource or a component). */
    to: string;
    /** Seconds the edge adds to the critical path (critical path length minus the length without it). */
    addedSeconds: number;
    /** Expected total without this edge. */
    totalWithoutSeconds: number;
}

export interface DeployTimeReport {
    /** Expected wall time of the first `pulumi up`, in seconds. */
    totalSeconds: number;
    criticalPath: PathStep[];
    flaggedDependsOn: FlaggedDependsOn[];
    /** Types priced with the `default` time because creation-times.json does not know them. */
    defaultedTypes: string[];
    ignoredDependencies: { from: string; to: string }[];
    resourceCount: number;
}

/** Creation seconds of one resource, and whether the default was used. */
export function creationSeconds(r: PlanResource, times: CreationTimes = CREATION_TIMES): { seconds: number; defaulted: boolean } {
    if (r.component) return { seconds: 0, defaulted: false };
    const type = normalizeType(r.type);
    const t = times.types[type];
    if (t) {
        const mode = (r.inputs.highAvailability as { mode?: unknown } | undefined)?.mode;
        const ha = mode === "ZoneRedundant" || mode === "SameZone";
        return { seconds: t.seconds + (ha && t.haExtraSeconds ? t.haExtraSeconds : 0), defaulted: false };
    }
    for (const p of times.patterns) {
        const prefix = p.match.endsWith("*") ? p.match.slice(0, -1) : p.match;
        if (p.match.endsWith("*") ? type.startsWith(prefix) : type === p.match) return { seconds: p.seconds, defaulted: false };
    }
    return { seconds: times.default.seconds, defaulted: true };
}

interface Graph {
    nodes: PlanResource[];
    seconds: Map<string, number>;
    /** preds.get(r).get(p) = declared dependency URNs of r that produce the edge p -> r. */
    preds: Map<string, Map<string, Set<string>>>;
}

interface Longest {
    total: number;
    finish: Map<string, number>;
    best: Map<string, string | undefined>;
    end?: string;
}

function longestPath(g: Graph, skip?: { from: string; declared: string }): Longest {
    const indeg = new Map<string, number>();
    const succ = new Map<string, string[]>();
    const activePreds = new Map<string, string[]>();
    for (const n of g.nodes) {
        const ps: string[] = [];
        for (const [p, origins] of g.preds.get(n.urn) ?? []) {
            const live = skip && skip.from === n.urn ? [...origins].some((o) => o !== skip.declared) : true;
            if (!live) continue;
            ps.push(p);
            const s = succ.get(p) ?? [];
            s.push(n.urn);
            succ.set(p, s);
        }
        activePreds.set(n.urn, ps);
        indeg.set(n.urn, ps.length);
    }
    const queue = g.nodes.filter((n) => indeg.get(n.urn) === 0).map((n) => n.urn);
    const finish = new Map<string, number>();
    const best = new Map<string, string | undefined>();
    // The queue grows while it is read: a node is appended once all its predecessors are done (Kahn's algorithm).
    for (const u of queue) {
        let start = 0;
        let via: string | undefined;
        for (const p of activePreds.get(u) ?? []) {
            const f = finish.get(p) ?? 0;
            if (via === undefined || f > start) {
                start = f;
                via = p; // first predecessor wins ties, so the path is deterministic
            }
        }
        finish.set(u, start + (g.seconds.get(u) ?? 0));
        best.set(u, via);
        for (const s of succ.get(u) ?? []) {
            indeg.set(s, (indeg.get(s) ?? 0) - 1);
            if (indeg.get(s) === 0) queue.push(s);
        }
    }
    if (queue.length < g.nodes.length) throw new Error(`Dependency cycle: ${describeCycle(g, activePreds, new Set(queue))}`);
    let total = 0;
    let end: string | undefined;
    for (const n of g.nodes) {
        const f = finish.get(n.urn) ?? 0;
        if (end === undefined || f > total) {
            total = f;
            end = n.urn;
        }
    }
    return { total, finish, best, end };
}

function describeCycle(g: Graph, preds: Map<string, string[]>, done: Set<string>): string {
    // Walk predecessors among the unfinished nodes until one repeats: that loop is a cycle.
    const start = g.nodes.find((n) => !done.has(n.urn))!.urn;
    const seen = new Map<string, number>();
    const path: string[] = [];
    let u: string | undefined = start;
    while (u !== undefined && !seen.has(u)) {
        seen.set(u, path.length);
        path.push(u);
        u = (preds.get(u) ?? []).find((p) => !done.has(p));
    }
    const loop = u === undefined ? path : path.slice(seen.get(u));
    return [...loop.reverse(), loop[0]].join(" -> ");
}

/** The dependency graph of a plan's non-component resources (a dependency on a component stands for its resources). */
function buildGraph(plan: Plan, times: CreationTimes): { g: Graph; defaulted: Set<string>; ignored: { from: string; to: string }[] } {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const children = new Map<string, PlanResource[]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const expandCache = new Map<string, string[]>();
    const expand = (urn: string): string[] => {
        const cached = expandCache.get(urn);
        if (cached) return cached;
        const r = byUrn.get(urn);
        let out: string[] = [];
        if (r && !r.component) out = [urn];
        else if (r) {
            expandCache.set(urn, []); // guards against parent loops
            out = [...new Set((children.get(urn) ?? []).flatMap((c) => expand(c.urn)))];
        }
        expandCache.set(urn, out);
        return out;
    };

    const nodes = plan.resources.filter((r) => !r.component);
    const seconds = new Map<string, number>();
    const defaulted = new Set<string>();
    for (const r of nodes) {
        const s = creationSeconds(r, times);
        seconds.set(r.urn, s.seconds);
        if (s.defaulted) defaulted.add(r.type);
    }
    const preds = new Map<string, Map<string, Set<string>>>();
    const ignored: { from: string; to: string }[] = [];
    for (const r of nodes) {
        const m = new Map<string, Set<string>>();
        for (const d of new Set([...r.dependencies, ...r.dependsOn])) {
            if (!byUrn.has(d)) {
                ignored.push({ from: r.urn, to: d });
                continue;
            }
            for (const p of expand(d)) {
                if (p === r.urn) continue; // a resource inside a component it depends on
                m.set(p, (m.get(p) ?? new Set<string>()).add(d));
            }
        }
        preds.set(r.urn, m);
    }
    return { g: { nodes, seconds, preds }, defaulted, ignored };
}

/** Explicit `dependsOn` edges on the critical path whose removal would shorten the deployment. */
function flagDependsOn(plan: Plan, g: Graph, full: Longest, criticalPath: PathStep[]): FlaggedDependsOn[] {
    const flagged: FlaggedDependsOn[] = [];
    const seen = new Set<string>();
    criticalPath.forEach((step, i) => {
        const prev = criticalPath[i - 1];
        const r = plan.resources.find((x) => x.urn === step.urn);
        if (!prev || !r) return;
        for (const declared of g.preds.get(step.urn)?.get(prev.urn) ?? []) {
            if (!r.dependsOn.includes(declared) || seen.has(`${step.urn}|${declared}`)) continue;
            seen.add(`${step.urn}|${declared}`);
            const without = longestPath(g, { from: step.urn, declared });
            const added = full.total - without.total;
            if (added > 0) flagged.push({ from: step.urn, to: declared, addedSeconds: added, totalWithoutSeconds: without.total });
        }
    });
    return flagged;
}

/** Expected first-`pulumi up` time, critical path and costly `dependsOn` edges of a plan. */
export function estimateDeployTime(plan: Plan, times: CreationTimes = CREATION_TIMES): DeployTimeReport {
    const { g, defaulted, ignored } = buildGraph(plan, times);
    const full = longestPath(g);
    const typeOf = new Map(plan.resources.map((r) => [r.urn, r.type]));
    const criticalPath: PathStep[] = [];
    for (let u = full.end; u !== undefined; u = full.best.get(u)) {
        criticalPath.unshift({ urn: u, type: typeOf.get(u) ?? "", seconds: g.seconds.get(u) ?? 0, finishSeconds: full.finish.get(u) ?? 0 });
    }
    return {
        totalSeconds: full.total,
        criticalPath,
        flaggedDependsOn: flagDependsOn(plan, g, full, criticalPath),
        defaultedTypes: [...defaulted].sort(),
        ignoredDependencies: ignored,
        resourceCount: g.nodes.length,
    };
}
