/** Test entry point of the offline policy evaluator (the implementation lives in policy/evaluate.ts). */
export { evaluatePlan, evaluatePolicies, mandatoryViolations, toPolicyResources } from "../../policy/evaluate";
export type { Evaluation, PolicyConfigInput, PolicyResult, Violation } from "../../policy/evaluate";
