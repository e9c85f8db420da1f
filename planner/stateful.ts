/**
 * The data-loss guard: the URNs of the resources that hold data (the registry's stateful types, lib/resourceTypes.ts)
 * are pinned per stack in tests/stateful/<stack>.json; a plan that drops or renames one without an alias fails
 * tests/stateful.test.ts and `npm run stateful:update` without --write.
 */
import { isStatefulType } from "../lib/resourceTypes";
import { Plan, PlanResource } from "./types";

/** URNs of the plan's resources that hold data (lib/resourceTypes.ts), the data-loss guard's pins. */
export function statefulUrns(plan: Plan): string[] {
    return plan.resources
        .filter((r) => isStatefulType(r.type))
        .map((r) => r.urn)
        .sort();
}

export interface DataLossFinding {
    urn: string;
    message: string;
}

/**
 * Every pinned URN must still exist, or be carried over by an `aliases` entry of a resource in the
 * plan (an alias URN, or an alias spec naming the old name).
 */
export function checkStateful(pinned: string[], plan: Plan): DataLossFinding[] {
    const present = new Set(plan.resources.map((r) => r.urn));
    const aliased = (urn: string, r: PlanResource) =>
        r.aliases.some((a) => a === urn || (a.startsWith("alias(") && a.includes(`name=${urn.split("::").pop()}`)));
    return pinned
        .filter((urn) => !present.has(urn) && !plan.resources.some((r) => aliased(urn, r)))
        .map((urn) => ({
            urn,
            message:
                `stateful resource ${urn} would be deleted (renamed, re-parented or removed) — data loss. ` +
                "Add an `aliases` entry to carry it over, or run `npm run stateful:update` if the removal is intended.",
        }));
}
