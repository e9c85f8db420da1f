/** What every area of the pack shares: levels, the violation reporter (type tokens are those of lib/resourceTypes.ts). */
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { label } from "../util";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

export const mandatory = "mandatory" as const;
export const advisory = "advisory" as const;

export type Reporter = (message: string, urn?: string) => void;

export function at(report: ReportViolation, r: PolicyResource): Reporter {
    return (m) => report(`${label(r)}: ${m}`, r.urn);
}
