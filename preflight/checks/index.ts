import { ACCESS_CHECKS } from "./access";
import { COMPUTE_CHECKS } from "./compute";
import { EXISTING_CHECKS } from "./existing";
import { SERVICE_CHECKS } from "./services";
import { Check } from "./verdict";

/**
 * The checks. Each has a pure `evaluate…` function (the recorded `az` answers in, a verdict out: tested
 * against the fixtures under tests/preflight/fixtures) and a `run` that asks `az` for those
 * answers. Response shapes are those of the ARM REST API as the az CLI prints them; each evaluator
 * names the documented shape it reads. One file per concern; this order is the report's.
 */
export const CHECKS: Check[] = [...COMPUTE_CHECKS, ...SERVICE_CHECKS, ...ACCESS_CHECKS, ...EXISTING_CHECKS];

export type { Check, CheckContext, Status, Verdict } from "./verdict";
