/**
 * Property paths of resource inputs (`a.b[0]["c.d"]`) and leaf-level differences between two input trees: shared by
 * the plan diff (planner/planDiff.ts) and the GlusterFS roll check (lib/glusterRoll.ts).
 */

export type Segment = string | number;

/** Parses `a.b[0]["c.d"]['e']` into `["a", "b", 0, "c.d", "e"]`. */
export function parsePath(path: string): Segment[] {
    const out: Segment[] = [];
    let i = 0;
    while (i < path.length) {
        const ch = path[i];
        if (ch === ".") {
            i++;
        } else if (ch === "[") {
            const q = path[i + 1];
            if (q === '"' || q === "'") {
                const end = path.indexOf(q + "]", i + 2);
                const stop = end < 0 ? path.length : end;
                out.push(path.slice(i + 2, stop));
                i = stop + 2;
            } else {
                const end = path.indexOf("]", i);
                const stop = end < 0 ? path.length : end;
                const raw = path.slice(i + 1, stop);
                out.push(/^\d+$/.test(raw) ? Number(raw) : raw);
                i = stop + 1;
            }
        } else {
            let j = i;
            while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
            out.push(path.slice(i, j));
            i = j;
        }
    }
    return out;
}

export function formatPath(segments: readonly Segment[]): string {
    let out = "";
    for (const s of segments) {
        if (typeof s === "number") out += `[${s}]`;
        else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out === "" ? s : `.${s}`;
        else out += `[${JSON.stringify(s)}]`;
    }
    return out;
}

const segEq = (a: Segment, b: Segment): boolean => a === "*" || b === "*" || String(a) === String(b);

/** True when `prefix` is a prefix of (or equal to) `path`; `*` matches any one segment. */
export function isPrefix(prefix: readonly Segment[], path: readonly Segment[]): boolean {
    return prefix.every((s, i) => {
        const p = path[i];
        return p !== undefined && segEq(s, p);
    });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
    if (isPlainObject(a) && isPlainObject(b)) {
        const ka = Object.keys(a).filter((k) => a[k] !== undefined);
        const kb = Object.keys(b).filter((k) => b[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
    }
    return false;
}

/** Leaf-level differences between two input trees (objects and arrays are descended, scalars compared). */
export interface LeafChange {
    path: Segment[];
    before: unknown;
    after: unknown;
}

export function diffValues(before: unknown, after: unknown, path: Segment[], out: LeafChange[]): void {
    if (deepEqual(before, after)) return;
    if (isPlainObject(before) && isPlainObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        for (const k of keys) diffValues(before[k], after[k], [...path, k], out);
        return;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const n = Math.max(before.length, after.length);
        for (let i = 0; i < n; i++) diffValues(before[i], after[i], [...path, i], out);
        return;
    }
    out.push({ path, before, after });
}

export function valueAt(root: unknown, path: readonly Segment[]): unknown {
    let cur: unknown = root;
    for (const s of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[String(s)];
    }
    return cur;
}
