/**
 * The value a test relies on (a fixture entry, a workflow job, a plan resource), or an error naming what is
 * missing: a clear failure at the lookup instead of a TypeError further down (noUncheckedIndexedAccess).
 */
export function must<T>(value: T | null | undefined, what: string): T {
    if (value === undefined || value === null) throw new Error(`${what}: not found`);
    return value;
}
