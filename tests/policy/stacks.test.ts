/**
 * The real stacks, planned under mocks by tests/globalSetup.ts: no mandatory policy violation in any
 * of them; advisories are listed (console.log) for review.
 */
import { mandatoryViolations } from "../../policy/evaluate";
import { evaluatePlan } from "../helpers/policyEngine";
import { loadPlan, STACKS } from "../helpers/plans";

describe.each(STACKS)("stack %s", (stack) => {
    it("has no mandatory policy violation", async () => {
        const e = await evaluatePlan(loadPlan(stack));
        const advisories = e.violations.filter((v) => v.enforcementLevel === "advisory");
        if (advisories.length > 0) {
            console.log(
                `${stack}: ${advisories.length} advisory(ies)\n${advisories.map((v) => `  [rule ${v.rule}] ${v.policy}: ${v.message}`).join("\n")}`,
            );
        }
        expect(mandatoryViolations(e).map((v) => `[rule ${v.rule}] ${v.policy}: ${v.message}`)).toEqual([]);
    });
});

it("plans dev, staging and prod", () => {
    expect(STACKS).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
});
