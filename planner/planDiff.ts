/**
 * Pure comparison of two offline plans (`npm run plan -- --json FILE`, type in planner/types.ts); its Markdown
 * rendering is planner/planDiffMarkdown.ts. Used by `npm run plan:diff -- base.json head.json` (tools/plan-diff.ts),
 * which the fork-PR job of .github/workflows/preview.yml posts as a pull-request comment.
 *
 * Guarantees:
 *  - No secret value is ever printed: plan inputs already hold "[secret]" for secret values, and any value at (or
 *    under, or containing) a path listed in `secretInputs` of EITHER plan is printed as "[secret]".
 *  - Stateful resources (data lives in them) that would be replaced or removed are listed first, in a warning block.
 *
 * This is a heuristic, offline diff: it cannot know what the provider would decide at `pulumi preview` time. The
 * properties that force replacement are the registry's (`replaceOn` in lib/resourceTypes.ts); anything else is
 * reported as an in-place update.
 */
import { checkGlusterRoll, RollCheck } from "../lib/glusterRoll";
import { deepEqual, diffValues, formatPath, isPrefix, LeafChange, parsePath, Segment, valueAt } from "../lib/propertyPaths";
import { isStatefulType, normalizeType, replacementRules } from "../lib/resourceTypes";
import { SECRET_MARKER } from "../lib/secretMarker";
import type { Plan, PlanResource } from "./types";

/** Resource options compared besides the inputs. */
export const COMPARED_OPTIONS = ["protect", "retainOnDelete", "ignoreChanges", "dependsOn", "parent", "provider"] as const;
export type ComparedOption = (typeof COMPARED_OPTIONS)[number];

export interface InputChange {
    path: string;
    /** Printable old value ("[secret]" when secret, undefined when absent). */
    before: unknown;
    after: unknown;
    secret: boolean;
}

export interface OptionChange {
    option: ComparedOption;
    before: unknown;
    after: unknown;
}

export interface ChangedResource {
    urn: string;
    /** Set when the resource was matched through an alias (the head URN differs from the base URN). */
    previousUrn?: string;
    type: string;
    name: string;
    inputChanges: InputChange[];
    optionChanges: OptionChange[];
    /** Reasons the change forces replacement (empty = in-place update). */
    replaceReasons: string[];
}

export type StatefulAction = "replaced" | "removed";

export interface StatefulAlert {
    action: StatefulAction;
    type: string;
    name: string;
    urn: string;
    reasons: string[];
    protect: boolean;
    retainOnDelete: boolean;
}

export interface CostDelta {
    baseMonthlyUsd: number;
    headMonthlyUsd: number;
    deltaMonthlyUsd: number;
}

export interface PlanDiff {
    stack: string;
    added: PlanResource[];
    removed: PlanResource[];
    changed: ChangedResource[];
    statefulAlerts: StatefulAlert[];
    cost?: CostDelta;
    /** Cost per component and per resource, and deploy time, when both plans carry insights (Markdown). */
    insights?: string;
    /** prod baseline waivers: every one in force in the head plan, and those the change removes. */
    waivers: { name: string; reason: string; status: "new" | "kept" | "removed" }[];
    /** GlusterFS nodes the update would take down; `blocking` when 2 or more (lib/glusterRoll.ts). */
    glusterRoll: RollCheck;
}

/** Whether the diff holds a blocking finding: a stateful resource replaced or removed, or 2+ GlusterFS nodes down at once. */
export function isBlocking(d: PlanDiff): boolean {
    return d.statefulAlerts.length > 0 || d.glusterRoll.blocking;
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------------------------

/** A change at `path` touches a secret when the secret path is at, under or above it. */
function touchesSecret(path: readonly Segment[], secretPaths: readonly (readonly Segment[])[]): boolean {
    return secretPaths.some((s) => isPrefix(s, path) || isPrefix(path, s));
}

function containsSecretMarker(v: unknown): boolean {
    if (v === SECRET_MARKER) return true;
    if (Array.isArray(v)) return v.some(containsSecretMarker);
    if (v !== null && typeof v === "object") return Object.values(v as Record<string, unknown>).some(containsSecretMarker);
    return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------------------------------

/** Reasons why the head inputs force replacement of a resource of `type`, given the input changes. */
export function replacementReasons(base: PlanResource, head: PlanResource, changedPaths: readonly (readonly Segment[])[]): string[] {
    const reasons: string[] = [];
    for (const r of replacementRules(head.type)) {
        const rp = parsePath(r.path);
        if (!changedPaths.some((p) => isPrefix(rp, p) || isPrefix(p, rp))) continue;
        if (r.when && !r.when(valueAt(base.inputs, rp), valueAt(head.inputs, rp))) continue;
        reasons.push(`\`${r.path}\` changed: ${r.why}`);
    }
    // The program's own replaceOnChanges declarations force replacement too.
    for (const roc of head.replaceOnChanges ?? []) {
        const rp = parsePath(roc);
        if (changedPaths.some((p) => isPrefix(rp, p) || isPrefix(p, rp))) reasons.push(`\`${roc}\` changed: listed in replaceOnChanges`);
    }
    return reasons;
}

function optionValue(r: PlanResource, o: ComparedOption): unknown {
    switch (o) {
        case "ignoreChanges":
        case "dependsOn":
            return [...(r[o] ?? [])].sort();
        default:
            return r[o] ?? null;
    }
}

function compareResources(base: PlanResource, head: PlanResource): ChangedResource | undefined {
    const secretPaths = [...(base.secretInputs ?? []), ...(head.secretInputs ?? [])].map(parsePath);
    const raw: LeafChange[] = [];
    diffValues(base.inputs ?? {}, head.inputs ?? {}, [], raw);
    const inputChanges: InputChange[] = raw.map((c) => {
        const secret = touchesSecret(c.path, secretPaths) || containsSecretMarker(c.before) || containsSecretMarker(c.after);
        return {
            path: formatPath(c.path),
            before: secret && c.before !== undefined ? SECRET_MARKER : c.before,
            after: secret && c.after !== undefined ? SECRET_MARKER : c.after,
            secret,
        };
    });
    const optionChanges: OptionChange[] = [];
    for (const o of COMPARED_OPTIONS) {
        const b = optionValue(base, o);
        const a = optionValue(head, o);
        if (!deepEqual(b, a)) optionChanges.push({ option: o, before: b, after: a });
    }
    if (inputChanges.length === 0 && optionChanges.length === 0 && base.urn === head.urn) return undefined;
    return {
        urn: head.urn,
        previousUrn: base.urn === head.urn ? undefined : base.urn,
        type: head.type,
        name: head.name,
        inputChanges,
        optionChanges,
        replaceReasons: replacementReasons(
            base,
            head,
            raw.map((c) => c.path),
        ),
    };
}

/** The roll check with every value at a secret path (of either plan) printed as "[secret]", like the rest of the diff. */
function redactRollCheck(check: RollCheck, base: Plan, head: Plan): RollCheck {
    const secretPathsOf = (urn: string) =>
        [...base.resources, ...head.resources]
            .filter((r) => r.urn === urn)
            .flatMap((r) => r.secretInputs ?? [])
            .map(parsePath);
    const disruptions = check.disruptions.map((d) => {
        const secretPaths = secretPathsOf(d.urn);
        return {
            ...d,
            changes: d.changes.map((c) => {
                const secret =
                    touchesSecret(parsePath(c.path), secretPaths) || containsSecretMarker(c.before) || containsSecretMarker(c.after);
                return secret ? { ...c, before: SECRET_MARKER, after: SECRET_MARKER } : c;
            }),
        };
    });
    return { ...check, stack: head.stack || base.stack || check.stack, disruptions };
}

/** Reads the monthly cost total written by the insights step (insights/index.ts): `insights.cost.totalMonthlyUsd`. */
export function monthlyCost(plan: Plan): number | undefined {
    // Contract of the plan file with insights/index.ts: `plan.insights.cost.totalMonthlyUsd` (number, USD per month).
    // `cost.total` is accepted as a fallback for early plan files.
    const insights = plan.insights as { cost?: { totalMonthlyUsd?: unknown; total?: unknown } } | undefined;
    const v = insights?.cost?.totalMonthlyUsd ?? insights?.cost?.total;
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A type as the diff prints it: canonical, without the `azure-native:` package (`storage:BlobContainer`). */
export function displayType(type: string): string {
    return normalizeType(type).replace(/^azure-native:/, "");
}

export interface DiffOptions {
    /**
     * The Markdown section on the plans' insights (cost per component and per resource, deploy time), or undefined
     * when a plan carries none. The planner knows no insights: `npm run plan:diff` passes insights/'s formatter.
     */
    insightsDelta?: (base: Plan, head: Plan) => string | undefined;
}

interface Matched {
    added: PlanResource[];
    removed: PlanResource[];
    changed: ChangedResource[];
}

/** Pairs base and head resources by URN, or through an alias naming a base URN that is gone (a rename). */
function matchResources(base: Plan, head: Plan): Matched {
    const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
    const headUrns = new Set(head.resources.map((r) => r.urn));
    const renamedFrom = new Map<string, PlanResource>();
    for (const h of head.resources) {
        if (baseByUrn.has(h.urn)) continue;
        const alias = (h.aliases ?? []).find((a) => baseByUrn.has(a) && !headUrns.has(a));
        const b = alias === undefined ? undefined : baseByUrn.get(alias);
        if (b) renamedFrom.set(h.urn, b);
    }
    const aliasedBase = new Set([...renamedFrom.values()].map((b) => b.urn));
    const changed: ChangedResource[] = [];
    for (const h of head.resources) {
        const b = baseByUrn.get(h.urn) ?? renamedFrom.get(h.urn);
        const c = b && compareResources(b, h);
        if (c) changed.push(c);
    }
    return {
        added: head.resources.filter((h) => !baseByUrn.has(h.urn) && !renamedFrom.has(h.urn)),
        removed: base.resources.filter((b) => !headUrns.has(b.urn) && !aliasedBase.has(b.urn)),
        changed,
    };
}

/** Stateful resources removed (or replaced by a new one of the same type), and those whose change forces replacement. */
function statefulAlerts({ added, removed, changed }: Matched, head: Plan): StatefulAlert[] {
    const alerts: StatefulAlert[] = [];
    const addedStateful = new Map<string, PlanResource[]>();
    for (const a of added.filter((r) => isStatefulType(r.type))) {
        const t = normalizeType(a.type);
        addedStateful.set(t, [...(addedStateful.get(t) ?? []), a]);
    }
    for (const r of removed.filter((x) => isStatefulType(x.type))) {
        const sameType = addedStateful.get(normalizeType(r.type)) ?? [];
        const replaced = sameType.length > 0;
        const names = sameType.map((s) => `\`${s.name}\``).join(", ");
        alerts.push({
            action: replaced ? "replaced" : "removed",
            type: r.type,
            name: r.name,
            urn: r.urn,
            reasons: replaced
                ? [`URN removed and a ${displayType(r.type)} added (${names}): add an alias if this is a rename`]
                : ["removed from the program"],
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
        });
    }
    const headByUrn = new Map(head.resources.map((r) => [r.urn, r]));
    for (const c of changed) {
        const h = headByUrn.get(c.urn);
        if (!h || !isStatefulType(c.type) || c.replaceReasons.length === 0) continue;
        alerts.push({
            action: "replaced",
            type: c.type,
            name: c.name,
            urn: c.urn,
            reasons: c.replaceReasons,
            protect: h.protect,
            retainOnDelete: h.retainOnDelete,
        });
    }
    return alerts;
}

export function diffPlans(base: Plan, head: Plan, options: DiffOptions = {}): PlanDiff {
    const matched = matchResources(base, head);
    const bc = monthlyCost(base);
    const hc = monthlyCost(head);
    const byUrn = (x: { urn: string }, y: { urn: string }) => x.urn.localeCompare(y.urn);
    return {
        stack: head.stack || base.stack,
        added: [...matched.added].sort(byUrn),
        removed: [...matched.removed].sort(byUrn),
        changed: [...matched.changed].sort(byUrn),
        statefulAlerts: statefulAlerts(matched, head).sort(byUrn),
        cost: bc !== undefined && hc !== undefined ? { baseMonthlyUsd: bc, headMonthlyUsd: hc, deltaMonthlyUsd: hc - bc } : undefined,
        insights: options.insightsDelta?.(base, head),
        waivers: diffWaivers(base, head),
        glusterRoll: redactRollCheck(checkGlusterRoll(base.resources, head.resources), base, head),
    };
}

function diffWaivers(base: Plan, head: Plan): PlanDiff["waivers"] {
    const before = new Map((base.config?.waivers ?? []).map((w) => [w.name, w.reason]));
    const after = head.config?.waivers ?? [];
    return [
        ...after.map((w) => ({ ...w, status: before.has(w.name) ? ("kept" as const) : ("new" as const) })),
        ...[...before]
            .filter(([name]) => !after.some((w) => w.name === name))
            .map(([name, reason]) => ({ name, reason, status: "removed" as const })),
    ];
}
