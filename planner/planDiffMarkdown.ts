/**
 * The Markdown of a plan diff (planner/planDiff.ts), as `npm run plan:diff` prints it and the fork-PR job posts it:
 * the blocking findings first (stateful resources replaced or removed, GlusterFS nodes down at once), then the
 * waivers, the counts, cost and deployment time, and every added, removed and changed resource.
 */
import { describeDisruption, GLUSTER_NODE_COUNT, rollCommand } from "../lib/glusterRoll";
import { displayType, PlanDiff } from "./planDiff";

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
    const lines: string[] = [`### ${opts.title ?? `Plan diff for stack ${code(d.stack)}`}`, ""];
    lines.push(...statefulSection(d), ...waiverSection(d), ...glusterSection(d));
    lines.push(`**${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove.**`, "");
    lines.push(...costSection(d), ...addedRemovedSections(d), ...changedSection(d));
    if (d.added.length + d.removed.length + d.changed.length === 0) lines.push("No resource changes.", "");
    return lines.join("\n");
}

function statefulSection(d: PlanDiff): string[] {
    if (d.statefulAlerts.length === 0) return [];
    return [
        `> [!CAUTION]`,
        `> **${d.statefulAlerts.length} stateful resource(s) would be replaced or removed — data loss risk.**`,
        "",
        "| Action | Type | Name | Why | protect / retainOnDelete |",
        "|---|---|---|---|---|",
        ...d.statefulAlerts.map(
            (a) =>
                `| **${a.action}** | ${code(displayType(a.type))} | ${code(a.name)} | ${a.reasons.join("; ").replace(/\|/g, "\\|")} | ${a.protect ? "protect" : "-"} / ${a.retainOnDelete ? "retain" : "-"} |`,
        ),
        "",
    ];
}

function waiverSection(d: PlanDiff): string[] {
    if (d.waivers.length === 0) return [];
    return [
        `> [!WARNING]`,
        `> **prod baseline waivers in force: ${d.waivers.filter((w) => w.status !== "removed").length}.**`,
        "",
        "| Waiver | Status | Reason |",
        "|---|---|---|",
        ...d.waivers.map((w) => `| ${code(w.name)} | ${w.status} | ${w.reason.replace(/\|/g, "\\|")} |`),
        "",
    ];
}

function glusterSection(d: PlanDiff): string[] {
    if (!d.glusterRoll.blocking) return [];
    return [
        `> [!CAUTION]`,
        `> **Blocking: ${d.glusterRoll.disruptions.length} of ${GLUSTER_NODE_COUNT} GlusterFS nodes would be replaced or restarted in one update.** ` +
            "The replica-3 volume under etcd and PostgreSQL needs 2 of 3 nodes up: Pachyderm would stop. " +
            `Roll the change one node at a time instead: ${code(rollCommand(d.glusterRoll.stack))} (docs/glusterfs.md).`,
        "",
        ...d.glusterRoll.disruptions.map((x) => `- ${describeDisruption(x)}`),
        "",
    ];
}

function costSection(d: PlanDiff): string[] {
    if (d.insights) return ["#### Cost and deployment time", "", d.insights, ""];
    if (!d.cost) return [];
    return [
        "#### Estimated monthly cost",
        "",
        `${usd(d.cost.baseMonthlyUsd)} → ${usd(d.cost.headMonthlyUsd)} (**${signedUsd(d.cost.deltaMonthlyUsd)}** per month)`,
        "",
    ];
}

function addedRemovedSections(d: PlanDiff): string[] {
    const lines: string[] = [];
    if (d.added.length > 0) lines.push("#### Added", "", ...d.added.map((r) => `- ${code(r.type)} ${code(r.name)}`), "");
    if (d.removed.length > 0) {
        lines.push("#### Removed", "", ...d.removed.map((r) => `- ${code(r.type)} ${code(r.name)}${r.protect ? " (protected)" : ""}`), "");
    }
    return lines;
}

function changedSection(d: PlanDiff): string[] {
    if (d.changed.length === 0) return [];
    const lines = ["#### Changed", ""];
    for (const c of d.changed) {
        const tag = c.replaceReasons.length > 0 ? " — <b>replace</b>" : "";
        lines.push(`<details><summary>${htmlCode(c.type)} ${htmlCode(c.name)}${tag}</summary>`, "");
        if (c.previousUrn) lines.push(`Renamed through an alias from ${code(c.previousUrn)}.`, "");
        if (c.inputChanges.length > 0 || c.optionChanges.length > 0) {
            lines.push("| Path | Before | After |", "|---|---|---|");
            for (const ch of c.inputChanges)
                lines.push(`| ${code(ch.path)} | ${code(printable(ch.before))} | ${code(printable(ch.after))} |`);
            for (const o of c.optionChanges) {
                lines.push(`| option ${code(o.option)} | ${code(printable(o.before))} | ${code(printable(o.after))} |`);
            }
            lines.push("");
        }
        for (const r of c.replaceReasons) lines.push(`- forces replacement: ${r}`);
        if (c.replaceReasons.length > 0) lines.push("");
        lines.push("</details>", "");
    }
    return lines;
}
