import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SECRET_MARKER } from "../lib/secretMarker";
import { Plan, PlanResource } from "./types";

/** Short type name for display: `azure-native:network:Subnet` -> `network:Subnet`. */
function shortType(type: string): string {
    return type.replace(/^azure-native:/, "").replace(/^kubernetes:/, "k8s:");
}

function shortUrnName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** The nearest component ancestor of each resource ("(stack)" at the top). */
export function componentOf(plan: Plan): Map<string, string> {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const out = new Map<string, string>();
    for (const r of plan.resources) {
        let p = byUrn.get(r.parent);
        while (p && !p.component) p = byUrn.get(p.parent);
        out.set(r.urn, p ? `${p.name} (${shortType(p.type)})` : "(stack)");
    }
    return out;
}

export function isKubernetesObject(r: PlanResource): boolean {
    return r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:");
}

/** The environment, config warnings and prod waivers in force, at the top of the plan. */
export function formatConfigNotices(plan: Plan): string[] {
    const c = plan.config;
    if (!c) return [];
    return [
        `environment: ${c.environment}`,
        ...c.warnings.map((w) => `WARNING: ${w}`),
        ...(c.waivers.length
            ? [`prod waivers in force (${c.waivers.length}):`, ...c.waivers.map((w) => `  - ${w.name}: ${w.reason}`)]
            : []),
    ];
}

/** The printed plan; `formatInsights` renders the plan's insights (insights/'s `formatInsights` for `npm run plan`). */
export function formatPlan<I>(plan: Plan<I>, formatInsights?: (insights: I) => string): string {
    const lines: string[] = [];
    const custom = plan.resources.filter((r) => !r.component);
    lines.push(`Plan of ${plan.project}/${plan.stack}: ${custom.length} resources in ${plan.resources.length - custom.length} components`);
    lines.push(...formatConfigNotices(plan));
    const groups = new Map<string, PlanResource[]>();
    const comp = componentOf(plan);
    for (const r of custom) {
        const g = comp.get(r.urn)!;
        groups.set(g, [...(groups.get(g) ?? []), r]);
    }
    for (const [group, rs] of [...groups.entries()].sort()) {
        lines.push("", `${group}  [${rs.length}]`);
        for (const r of rs) {
            const flags = [
                r.protect && "protect",
                r.retainOnDelete && "retainOnDelete",
                r.ignoreChanges.length && `ignoreChanges=${r.ignoreChanges.join(",")}`,
            ]
                .filter(Boolean)
                .join(" ");
            lines.push(`  + ${shortType(r.type).padEnd(48)} ${r.name}${flags ? `  (${flags})` : ""}`);
        }
    }
    const counts = new Map<string, number>();
    for (const r of custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    lines.push("", "Resources by type:");
    for (const [type, n] of [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        lines.push(`  ${String(n).padStart(4)}  ${type}`);
    }
    if (plan.insights !== undefined && formatInsights) lines.push("", formatInsights(plan.insights));
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) {
        const text = typeof v === "string" ? v : JSON.stringify(v);
        lines.push(`  ${k.padEnd(24)} ${text}`);
    }
    return lines.join("\n");
}

/** Deep-redacts the data of Secret objects (values are already [secret] when they came from secret Outputs). */
function redactSecretObject(obj: Record<string, unknown>): Record<string, unknown> {
    if (obj.kind !== "Secret") return obj;
    const redacted = { ...obj };
    for (const field of ["data", "stringData"]) {
        const values = redacted[field];
        if (values && typeof values === "object") redacted[field] = Object.fromEntries(Object.keys(values).map((k) => [k, SECRET_MARKER]));
    }
    return redacted;
}

/** Writes every Kubernetes object as YAML, one file per object (`<kind>-<namespace>-<name>.yaml`). */
export function writeKubernetesYaml(plan: Plan, dir: string): number {
    fs.mkdirSync(dir, { recursive: true });
    let n = 0;
    for (const r of plan.resources.filter(isKubernetesObject)) {
        const obj = redactSecretObject(r.inputs);
        const meta = (obj.metadata ?? {}) as Record<string, string>;
        const file = [obj.kind, meta.namespace, meta.name ?? shortUrnName(r.urn)]
            .filter(Boolean)
            .join("-")
            .toLowerCase()
            .replace(/[^a-z0-9.-]/g, "_");
        fs.writeFileSync(path.join(dir, `${file}.yaml`), `# ${r.urn}\n${YAML.stringify(obj)}`);
        n++;
    }
    return n;
}
