/**
 * Parsing of `gluster volume heal <vol> info` and `... info summary` (GlusterFS 10, the format captured from the
 * real 3-node test in tests/fixtures/gluster/), and the health verdict `npm run gluster:roll` waits for between nodes.
 *
 * Each brick is a block starting with `Brick <host>:<path>`, then (info) the pending entries, one per line,
 * `Status: <Connected | Transport endpoint is not connected | ...>` and `Number of entries: <n | ->`, or (summary)
 * `Status:`, `Total Number of entries:`, `Number of entries in heal pending:`, `... in split-brain:`,
 * `... possibly healing:`. A brick that cannot be reached reports `-` for its counts.
 */

interface BrickHeal {
    brick: string;
    status: string;
    connected: boolean;
    /** `Number of entries` (info) or `Total Number of entries` (summary); undefined when reported as `-`. */
    entries?: number;
    pending?: number;
    splitBrain?: number;
    healing?: number;
}

const COUNTS: Array<[RegExp, keyof Pick<BrickHeal, "entries" | "pending" | "splitBrain" | "healing">]> = [
    [/^(?:Total )?Number of entries:\s*(\S+)$/, "entries"],
    [/^Number of entries in heal pending:\s*(\S+)$/, "pending"],
    [/^Number of entries in split-brain:\s*(\S+)$/, "splitBrain"],
    [/^Number of entries possibly healing:\s*(\S+)$/, "healing"],
];

export function parseHealInfo(text: string): BrickHeal[] {
    const bricks: BrickHeal[] = [];
    let cur: BrickHeal | undefined;
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        const brick = /^Brick (\S+:\S+)$/.exec(line)?.[1];
        if (brick !== undefined) {
            cur = { brick, status: "", connected: false };
            bricks.push(cur);
            continue;
        }
        if (!cur) continue;
        const status = /^Status:\s*(.*)$/.exec(line)?.[1];
        if (status !== undefined) {
            cur.status = status;
            cur.connected = status === "Connected";
            continue;
        }
        for (const [re, key] of COUNTS) {
            const count = re.exec(line)?.[1];
            if (count !== undefined) {
                if (/^\d+$/.test(count)) cur[key] = Number(count);
                break;
            }
        }
    }
    return bricks;
}

interface HealVerdict {
    healthy: boolean;
    /** Why not healthy (empty when healthy). */
    problems: string[];
    bricks: BrickHeal[];
}

/** Healthy = exactly `bricks` bricks, every one connected, with 0 entries (and 0 pending, split-brain, healing when reported). */
export function healVerdict(text: string, bricks = 3): HealVerdict {
    const parsed = parseHealInfo(text);
    const problems: string[] = [];
    if (parsed.length !== bricks) problems.push(`${parsed.length} bricks reported, expected ${bricks}`);
    for (const b of parsed) {
        if (!b.connected) problems.push(`${b.brick}: ${b.status || "no status"}`);
        else if (b.entries === undefined) problems.push(`${b.brick}: no entry count`);
        else {
            const counts = { entries: b.entries, pending: b.pending, "split-brain": b.splitBrain, "possibly healing": b.healing };
            const nonZero = Object.entries(counts).filter(([, v]) => v !== undefined && v !== 0);
            if (nonZero.length > 0) problems.push(`${b.brick}: ${nonZero.map(([k, v]) => `${k} ${v}`).join(", ")}`);
        }
    }
    return { healthy: problems.length === 0, problems, bricks: parsed };
}
