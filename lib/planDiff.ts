/**
 * Pure comparison of two offline plans (`npm run plan -- --json FILE`, type in planner/types.ts) and its Markdown
 * rendering. Used by `npm run plan:diff -- base.json head.json` (tools/plan-diff.ts), which the fork-PR job of
 * .github/workflows/preview.yml posts as a pull-request comment.
 *
 * Guarantees:
 *  - No secret value is ever printed: plan inputs already hold "[secret]" for secret values, and any value at (or
 *    under, or containing) a path listed in `secretInputs` of EITHER plan is printed as "[secret]".
 *  - Stateful resources (data lives in them) that would be replaced or removed are listed first, in a warning block.
 *
 * This is a heuristic, offline diff: it cannot know what the provider would decide at `pulumi preview` time. The
 * replacement table below lists the properties that Azure Resource Manager cannot change in place for the stateful
 * types; anything else is reported as an in-place update. Keep the table small and documented.
 */
import type { Plan, PlanResource } from "../planner/types";
import { formatInsightsDelta, Insights } from "../insights";
import { isStatefulType } from "./stateful";
import { checkGlusterRoll, describeDisruption, GLUSTER_NODE_COUNT, rollCommand, RollCheck } from "./glusterRoll";
import { deepEqual, diffValues, formatPath, isPrefix, LeafChange, parsePath, Segment, valueAt } from "./propertyPaths";

export { deepEqual, formatPath, parsePath };

/** Full insights (cost report with lines and deploy time), as `npm run plan` writes them. */
function hasInsights(p: Plan): p is Plan & { insights: Insights } {
    const i = p.insights as any;
    return Array.isArray(i?.cost?.lines) && Array.isArray(i?.deployTime?.criticalPath);
}

export const SECRET_MARKER = "[secret]";

/**
 * A rule deciding whether a change at `path` forces replacement. `path` is a property path; a change at the path or
 * anywhere under it matches. `when` (optional) refines the decision from the old and new values.
 */
export interface ReplacementRule {
    path: string;
    why: string;
    when?: (before: unknown, after: unknown) => boolean;
}

const tierOf = (sku: unknown): string => (typeof sku === "string" ? sku.split("_")[0] : "");

/**
 * Properties known to force replacement of the stateful types (Azure cannot change them on an existing resource).
 * Every azure-native resource is also replaced when its `resourceGroupName` changes (see COMMON_REPLACEMENT_RULES).
 *
 * | type | property | replaced? |
 * |---|---|---|
 * | storage:StorageAccount | accountName, location | yes |
 * | storage:StorageAccount | kind | yes, except an upgrade to StorageV2 (in place) |
 * | storage:StorageAccount | sku.name | only when the performance tier changes (Standard_* <-> Premium_*); redundancy changes such as LRS <-> GZRS are conversions, not replacements |
 * | storage:StorageAccount | isHnsEnabled, encryption.requireInfrastructureEncryption | yes |
 * | storage:BlobContainer | accountName, containerName | yes |
 * | storage:BlobServiceProperties | accountName | yes |
 * | compute:Disk | diskName, location, zones, creationData | yes |
 * | documentdb:DatabaseAccount | accountName, location, kind | yes |
 * | documentdb:SqlResourceSqlDatabase | accountName, databaseName, resource.id | yes |
 * | documentdb:SqlResourceSqlContainer | accountName, databaseName, containerName, resource.id, resource.partitionKey | yes |
 * | dbforpostgresql:Server | serverName, location, version | yes (major version upgrades are a separate, manual operation) |
 * | dbforpostgresql:Database | serverName, databaseName, charset, collation | yes |
 */
export const REPLACEMENT_RULES: Readonly<Record<string, readonly ReplacementRule[]>> = {
    "storage:StorageAccount": [
        { path: "accountName", why: "the account name is part of the resource id" },
        { path: "location", why: "a storage account cannot move region" },
        { path: "kind", why: "only an upgrade to StorageV2 is in place", when: (_b, a) => a !== "StorageV2" },
        {
            path: "sku.name",
            why: "the performance tier (Standard/Premium) cannot change",
            when: (b, a) => tierOf(b) !== tierOf(a),
        },
        { path: "isHnsEnabled", why: "hierarchical namespace is set at creation" },
        { path: "encryption.requireInfrastructureEncryption", why: "infrastructure encryption is set at creation" },
    ],
    "storage:BlobContainer": [
        { path: "accountName", why: "the container belongs to one account" },
        { path: "containerName", why: "the container name is part of the resource id" },
    ],
    "storage:BlobServiceProperties": [{ path: "accountName", why: "the blob service belongs to one account" }],
    "compute:Disk": [
        { path: "diskName", why: "the disk name is part of the resource id" },
        { path: "location", why: "a disk cannot move region" },
        { path: "zones", why: "a disk cannot move zone" },
        { path: "creationData", why: "the creation source is fixed at creation" },
    ],
    "documentdb:DatabaseAccount": [
        { path: "accountName", why: "the account name is part of the resource id" },
        { path: "location", why: "the account's home region cannot change" },
        { path: "kind", why: "the API kind is fixed at creation" },
    ],
    "documentdb:SqlResourceSqlDatabase": [
        { path: "accountName", why: "the database belongs to one account" },
        { path: "databaseName", why: "the database name is part of the resource id" },
        { path: "resource.id", why: "the database id is fixed at creation" },
    ],
    "documentdb:SqlResourceSqlContainer": [
        { path: "accountName", why: "the container belongs to one account" },
        { path: "databaseName", why: "the container belongs to one database" },
        { path: "containerName", why: "the container name is part of the resource id" },
        { path: "resource.id", why: "the container id is fixed at creation" },
        { path: "resource.partitionKey", why: "a container's partition key cannot change" },
    ],
    "dbforpostgresql:Server": [
        { path: "serverName", why: "the server name is part of the resource id" },
        { path: "location", why: "a server cannot move region" },
        { path: "version", why: "a major version change is not an in-place update" },
    ],
    "dbforpostgresql:Database": [
        { path: "serverName", why: "the database belongs to one server" },
        { path: "databaseName", why: "the database name is part of the resource id" },
        { path: "charset", why: "the charset is fixed at creation" },
        { path: "collation", why: "the collation is fixed at creation" },
    ],
};

export const COMMON_REPLACEMENT_RULES: readonly ReplacementRule[] = [
    { path: "resourceGroupName", why: "a resource moved to another resource group is recreated" },
];

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

/** SDK module names whose type tokens use another module name (azure-native v3's `cosmosdb` SDK module emits `documentdb`). */
const MODULE_ALIASES: Record<string, string> = { cosmosdb: "documentdb" };

/** `azure-native:dbforpostgresql/v20240801:Server` -> `dbforpostgresql:Server`; other packages are kept whole. */
export function normalizeType(type: string): string {
    const m = /^azure-native:([^:/]+)(?:\/[^:]+)?:(.+)$/.exec(type);
    return m ? `${MODULE_ALIASES[m[1]] ?? m[1]}:${m[2]}` : type;
}

/** Data-holding resource types: the same list the data-loss guard pins (lib/stateful.ts). */
export const isStateful = isStatefulType;

/** Reasons why the head inputs force replacement of a resource of `type`, given the input changes. */
export function replacementReasons(base: PlanResource, head: PlanResource, changedPaths: readonly (readonly Segment[])[]): string[] {
    const reasons: string[] = [];
    const rules: ReplacementRule[] = [];
    if (head.type.startsWith("azure-native:")) rules.push(...COMMON_REPLACEMENT_RULES);
    rules.push(...(REPLACEMENT_RULES[normalizeType(head.type)] ?? []));
    for (const r of rules) {
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
    // Contract with insights/index.ts: `plan.insights.cost.totalMonthlyUsd` (number, USD per month). `cost.total` is
    // accepted as a fallback for early plan files.
    const cost = (plan.insights as any)?.cost;
    const v = cost?.totalMonthlyUsd ?? cost?.total;
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function diffPlans(base: Plan, head: Plan): PlanDiff {
    const baseByUrn = new Map(base.resources.map((r) => [r.urn, r]));
    const headByUrn = new Map(head.resources.map((r) => [r.urn, r]));

    // A head resource whose alias names a base URN that is gone is the same resource renamed, not add + remove.
    const renamedFrom = new Map<string, string>();
    for (const h of head.resources) {
        if (baseByUrn.has(h.urn)) continue;
        const alias = (h.aliases ?? []).find((a) => baseByUrn.has(a) && !headByUrn.has(a));
        if (alias) renamedFrom.set(h.urn, alias);
    }
    const aliasedBase = new Set(renamedFrom.values());

    const added = head.resources.filter((h) => !baseByUrn.has(h.urn) && !renamedFrom.has(h.urn));
    const removed = base.resources.filter((b) => !headByUrn.has(b.urn) && !aliasedBase.has(b.urn));
    const changed: ChangedResource[] = [];
    for (const h of head.resources) {
        const b = baseByUrn.get(h.urn) ?? (renamedFrom.has(h.urn) ? baseByUrn.get(renamedFrom.get(h.urn)!) : undefined);
        if (!b) continue;
        const c = compareResources(b, h);
        if (c) changed.push(c);
    }

    const statefulAlerts: StatefulAlert[] = [];
    const addedStatefulTypes = new Map<string, PlanResource[]>();
    for (const a of added.filter((r) => isStateful(r.type))) {
        const t = normalizeType(a.type);
        addedStatefulTypes.set(t, [...(addedStatefulTypes.get(t) ?? []), a]);
    }
    for (const r of removed.filter((x) => isStateful(x.type))) {
        const sameType = addedStatefulTypes.get(normalizeType(r.type)) ?? [];
        const replaced = sameType.length > 0;
        statefulAlerts.push({
            action: replaced ? "replaced" : "removed",
            type: r.type,
            name: r.name,
            urn: r.urn,
            reasons: replaced
                ? [
                      `URN removed and a ${normalizeType(r.type)} added (${sameType.map((s) => `\`${s.name}\``).join(", ")}): add an alias if this is a rename`,
                  ]
                : ["removed from the program"],
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
        });
    }
    for (const c of changed) {
        if (!isStateful(c.type) || c.replaceReasons.length === 0) continue;
        const h = headByUrn.get(c.urn)!;
        statefulAlerts.push({
            action: "replaced",
            type: c.type,
            name: c.name,
            urn: c.urn,
            reasons: c.replaceReasons,
            protect: h.protect,
            retainOnDelete: h.retainOnDelete,
        });
    }

    const bc = monthlyCost(base);
    const hc = monthlyCost(head);
    const cost = bc !== undefined && hc !== undefined ? { baseMonthlyUsd: bc, headMonthlyUsd: hc, deltaMonthlyUsd: hc - bc } : undefined;

    const byUrn = (x: { urn: string }, y: { urn: string }) => x.urn.localeCompare(y.urn);
    return {
        stack: head.stack || base.stack,
        added: [...added].sort(byUrn),
        removed: [...removed].sort(byUrn),
        changed: changed.sort(byUrn),
        statefulAlerts: statefulAlerts.sort(byUrn),
        cost,
        insights: hasInsights(base) && hasInsights(head) ? formatInsightsDelta(base.insights, head.insights) : undefined,
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

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

const MAX_VALUE = 80;

/** Inline code that survives backticks and pipes (table cells). */
function code(s: string): string {
    const clean = s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
    return clean.includes("`") ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

/** `<code>` for HTML contexts (GitHub does not render Markdown inside `<summary>`). */
function htmlCode(s: string): string {
    return `<code>${s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</code>`;
}

function printable(v: unknown): string {
    if (v === undefined) return "(absent)";
    const s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
    return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const signedUsd = (n: number): string => (n >= 0 ? `+${usd(n)}` : `-${usd(-n)}`);

export interface RenderOptions {
    /** Heading text; defaults to "Plan diff for stack `<stack>`". */
    title?: string;
}

export function renderMarkdown(d: PlanDiff, opts: RenderOptions = {}): string {
    const lines: string[] = [];
    lines.push(`### ${opts.title ?? `Plan diff for stack ${code(d.stack)}`}`, "");

    if (d.statefulAlerts.length > 0) {
        lines.push(
            `> [!CAUTION]`,
            `> **${d.statefulAlerts.length} stateful resource(s) would be replaced or removed — data loss risk.**`,
            "",
            "| Action | Type | Name | Why | protect / retainOnDelete |",
            "|---|---|---|---|---|",
        );
        for (const a of d.statefulAlerts) {
            lines.push(
                `| **${a.action}** | ${code(normalizeType(a.type))} | ${code(a.name)} | ${a.reasons.join("; ").replace(/\|/g, "\\|")} | ${a.protect ? "protect" : "-"} / ${a.retainOnDelete ? "retain" : "-"} |`,
            );
        }
        lines.push("");
    }

    if (d.waivers.length > 0) {
        lines.push(
            `> [!WARNING]`,
            `> **prod baseline waivers in force: ${d.waivers.filter((w) => w.status !== "removed").length}.**`,
            "",
            "| Waiver | Status | Reason |",
            "|---|---|---|",
        );
        for (const w of d.waivers) lines.push(`| ${code(w.name)} | ${w.status} | ${w.reason.replace(/\|/g, "\\|")} |`);
        lines.push("");
    }

    if (d.glusterRoll.blocking) {
        lines.push(
            `> [!CAUTION]`,
            `> **Blocking: ${d.glusterRoll.disruptions.length} of ${GLUSTER_NODE_COUNT} GlusterFS nodes would be replaced or restarted in one update.** ` +
                "The replica-3 volume under etcd and PostgreSQL needs 2 of 3 nodes up: Pachyderm would stop. " +
                `Roll the change one node at a time instead: ${code(rollCommand(d.glusterRoll.stack))} (docs/glusterfs.md).`,
            "",
            ...d.glusterRoll.disruptions.map((x) => `- ${describeDisruption(x)}`),
            "",
        );
    }

    lines.push(`**${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove.**`, "");

    if (d.insights) {
        lines.push("#### Cost and deployment time", "", d.insights, "");
    } else if (d.cost) {
        lines.push(
            "#### Estimated monthly cost",
            "",
            `${usd(d.cost.baseMonthlyUsd)} → ${usd(d.cost.headMonthlyUsd)} (**${signedUsd(d.cost.deltaMonthlyUsd)}** per month)`,
            "",
        );
    }

    if (d.added.length > 0) {
        lines.push("#### Added", "");
        for (const r of d.added) lines.push(`- ${code(r.type)} ${code(r.name)}`);
        lines.push("");
    }
    if (d.removed.length > 0) {
        lines.push("#### Removed", "");
        for (const r of d.removed) lines.push(`- ${code(r.type)} ${code(r.name)}${r.protect ? " (protected)" : ""}`);
        lines.push("");
    }
    if (d.changed.length > 0) {
        lines.push("#### Changed", "");
        for (const c of d.changed) {
            const tag = c.replaceReasons.length > 0 ? " — <b>replace</b>" : "";
            lines.push(`<details><summary>${htmlCode(c.type)} ${htmlCode(c.name)}${tag}</summary>`, "");
            if (c.previousUrn) lines.push(`Renamed through an alias from ${code(c.previousUrn)}.`, "");
            if (c.inputChanges.length > 0 || c.optionChanges.length > 0) {
                lines.push("| Path | Before | After |", "|---|---|---|");
                for (const ch of c.inputChanges) {
                    lines.push(`| ${code(ch.path)} | ${code(printable(ch.before))} | ${code(printable(ch.after))} |`);
                }
                for (const o of c.optionChanges) {
                    lines.push(`| option ${code(o.option)} | ${code(printable(o.before))} | ${code(printable(o.after))} |`);
                }
                lines.push("");
            }
            for (const r of c.replaceReasons) lines.push(`- forces replacement: ${r}`);
            if (c.replaceReasons.length > 0) lines.push("");
            lines.push("</details>", "");
        }
    }
    if (d.added.length + d.removed.length + d.changed.length === 0) lines.push("No resource changes.", "");
    return lines.join("\n");
}
