import { ConfigProblem, ConfigValidationError, parseConfig, PlatformConfig } from "../../lib/config";
import { loadStackConfig } from "../../planner";

const PROJECT = "pachyderm-azure";
/** The day the AKS calendar was read; config tests run against it, never against the wall clock. */
const TODAY = new Date("2026-12-02T09:00:00Z");

/** The raw config the engine would pass for a committed stack (keys without namespace), plus overrides. */
export function rawFor(stack: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const src = loadStackConfig(stack);
    const raw = Object.fromEntries(Object.entries(src.config).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
    return { ...raw, ...overrides };
}

export function parse(raw: Record<string, unknown>, stack = "dev", today = TODAY): PlatformConfig {
    return parseConfig(raw, { project: PROJECT, stack, today });
}

/** The problems parseConfig reports ([] when it accepts); anything but a ConfigValidationError fails. */
export function problems(raw: Record<string, unknown>, stack = "dev", today = TODAY): ConfigProblem[] {
    try {
        parse(raw, stack, today);
        return [];
    } catch (e) {
        if (!(e instanceof ConfigValidationError)) throw e;
        return e.problems;
    }
}

export const keysOf = (raw: Record<string, unknown>, stack = "dev", today = TODAY) => problems(raw, stack, today).map((p) => p.key);
