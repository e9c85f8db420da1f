/** Test entry point of the offline policy evaluator (the implementation lives in policy/evaluate.ts). */
import type { PlanResource } from "../../planner/types";
import { evaluatePolicies, Violation } from "../../policy/evaluate";
import { allPolicies } from "../../policy/rules";
import { planResource } from "./plans";

export { evaluatePlan, evaluatePolicies, mandatoryViolations, toPolicyResources } from "../../policy/evaluate";
export type { Evaluation, PolicyConfigInput, PolicyResult, Violation } from "../../policy/evaluate";

/** A Kubernetes object as a component declares it. */
export interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/**
 * Kubernetes manifests as the resources of a stack: the type token the Kubernetes provider gives them
 * (`kubernetes:<group>/<version>:<Kind>`, group `core` for `v1`), named `<namespace>/<name>` so that the
 * policies' messages name the object.
 */
export function manifestResources(manifests: Manifest[]): PlanResource[] {
    return manifests.map((m) => {
        const groupVersion = m.apiVersion.includes("/") ? m.apiVersion : `core/${m.apiVersion}`;
        const type = `kubernetes:${groupVersion}:${m.kind}`;
        const name = [m.metadata.namespace, m.metadata.name].filter(Boolean).join("/");
        return planResource({
            urn: `urn:pulumi:test::manifests::${type}::${name}`,
            type,
            name,
            inputs: m as unknown as Record<string, unknown>,
        });
    });
}

/**
 * Everything the policy pack reports (advisories included) over a component's Kubernetes objects, in an
 * environment of kind `env` (policy config `environment`). The secrets policy is left out: the manifests
 * hold secret values unwrapped, so secret-ness is the component test's own check.
 */
export async function evaluateManifests(manifests: Manifest[], env: "dev" | "prod"): Promise<Violation[]> {
    const policies = allPolicies.filter((p) => p.name !== "secrets-are-pulumi-secrets");
    const e = await evaluatePolicies(manifestResources(manifests), policies, { all: { environment: env } });
    return e.violations;
}
