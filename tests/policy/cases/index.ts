/** The fixture table of tests/policy/rules.test.ts: compliant and violating cases per policy, one file per area. */
import { AKS_CASES } from "./aks";
import { ARM_CASES } from "./arm";
import { CROSS_CUTTING_CASES } from "./crossCutting";
import { DATA_CASES } from "./data";
import { KUBERNETES_CASES } from "./kubernetes";
import { NETWORK_CASES } from "./network";
import { RuleCases } from "./shared";
import { STORAGE_CASES } from "./storage";

export type { Case, RuleCases } from "./shared";

export const CASES: Record<string, RuleCases> = {
    ...STORAGE_CASES,
    ...AKS_CASES,
    ...NETWORK_CASES,
    ...DATA_CASES,
    ...KUBERNETES_CASES,
    ...ARM_CASES,
    ...CROSS_CUTTING_CASES,
};
