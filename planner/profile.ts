/**
 * Phase timings of one plan (`npm run plan -- --profile`, `npm run bench -- --profile`): wall time and
 * CPU time (user + system) of this process per phase. CPU time is the steadier figure on a shared machine.
 */
export interface Phase {
    name: string;
    wallMs: number;
    cpuMs: number;
}

/** The phases a plan goes through, in order. */
export const PLAN_PHASES = ["startup", "SDK load", "program evaluation", "capture", "insights", "formatting"] as const;

export class Profiler {
    readonly phases: Phase[] = [];
    private wall = 0;
    private cpu = 0;

    constructor() {
        // Process start: what Node and the TypeScript loader cost before the first line of the tool.
        this.mark("startup");
    }

    /** Ends the current phase, naming it. */
    mark(name: string): void {
        const wall = performance.now();
        const usage = process.cpuUsage();
        const cpu = (usage.user + usage.system) / 1000;
        this.phases.push({ name, wallMs: wall - this.wall, cpuMs: cpu - this.cpu });
        this.wall = wall;
        this.cpu = cpu;
    }
}

/** One line per phase plus the total; the format `npm run bench -- --profile` parses back. */
export function formatPhases(phases: Phase[]): string {
    const total = phases.reduce((a, p) => ({ wallMs: a.wallMs + p.wallMs, cpuMs: a.cpuMs + p.cpuMs }), { wallMs: 0, cpuMs: 0 });
    return [...phases, { name: "total", ...total }]
        .map((p) => `plan-phase ${p.name.padEnd(20)} wall_ms=${p.wallMs.toFixed(0).padStart(6)} cpu_ms=${p.cpuMs.toFixed(0).padStart(6)}`)
        .join("\n");
}

/** Parses the lines written by `formatPhases` (other lines are ignored). */
export function parsePhases(text: string): Phase[] {
    const out: Phase[] = [];
    for (const m of text.matchAll(/^plan-phase (.+?)\s+wall_ms=\s*(\d+) cpu_ms=\s*(\d+)$/gm)) {
        const [, name = "", wallMs, cpuMs] = m;
        if (name !== "total") out.push({ name, wallMs: Number(wallMs), cpuMs: Number(cpuMs) });
    }
    return out;
}
