/**
 * Entry point of the CrossGuard policy pack, run by the Pulumi CLI:
 *   pulumi preview --policy-pack policy [--policy-pack-config policy/config.prod.json]
 * Constructing the PolicyPack starts the analyzer's gRPC server, so nothing else imports this file:
 * the offline evaluator (policy/evaluate.ts) and the tests use the policy objects of policy/rules/.
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

new PolicyPack("pachyderm-azure-policy", {
    description:
        "Security and reliability rules 1-38 (+ secrets) of the Pachyderm-on-Azure platform, with Checkov / PSRule / kube-score IDs, and what ARM refuses at request time (arm-*).",
    provider: "azure",
    tags: ["azure", "kubernetes", "pachyderm"],
    policies: allPolicies,
});
