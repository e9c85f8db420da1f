/**
 * Every policy of the pack, proven on hand-built plan fixtures: the golden stack (tests/policy/fixtures/)
 * complies with all of them; each violating case changes one thing and must be reported by exactly
 * the policy under test (no other policy may fire), at the policy's enforcement level.
 */
import { allPolicies } from "../../policy/rules";
import { evaluatePolicies } from "../helpers/policyEngine";
import { Case, CASES } from "./cases";
import { Env, Stack } from "./fixtures";

const policyNames = allPolicies.map((p) => p.name);
const levelOf = new Map(allPolicies.map((p) => [p.name, p.enforcementLevel]));

function build(c: Case): Stack {
    const s = Stack.golden(c.env ?? "dev");
    c.mutate?.(s);
    return s;
}

describe("fixture table", () => {
    it("covers every policy exported by policy/rules/ with compliant and violating fixtures", () => {
        const missing = policyNames.filter((n) => !CASES[n] || CASES[n].compliant.length === 0 || CASES[n].violating.length === 0);
        expect(missing).toEqual([]);
        expect(Object.keys(CASES).filter((n) => !policyNames.includes(n))).toEqual([]);
    });

    it("policy names are unique and every description cites its rule", () => {
        expect(new Set(policyNames).size).toBe(policyNames.length);
        for (const p of allPolicies) expect(p.description).toMatch(/^(Rule \d+|Cross-cutting|ARM) \(/);
    });

    it.each(["prod", "dev"] as Env[])("the golden %s stack has no violation at all", async (env) => {
        const e = await evaluatePolicies(Stack.golden(env).resources);
        expect(e.violations).toEqual([]);
    });
});

describe.each(Object.entries(CASES))("%s", (name, cases) => {
    it.each(cases.compliant.map((c) => [c.title, c] as const))("passes: %s", async (_t, c) => {
        const e = await evaluatePolicies(build(c).resources, allPolicies, c.config);
        expect(e.violations).toEqual([]);
        expect(e.perPolicy.find((p) => p.name === name)?.status).toBe("pass");
    });

    it.each(cases.violating.map((c) => [c.title, c] as const))("reports: %s", async (_t, c) => {
        const e = await evaluatePolicies(build(c).resources, allPolicies, c.config);
        const firing = [...new Set(e.violations.map((v) => v.policy))];
        expect(firing).toEqual([name]);
        expect(e.violations.every((v) => v.enforcementLevel === levelOf.get(name))).toBe(true);
        expect(e.perPolicy.find((p) => p.name === name)?.status).toBe("fail");
    });
});
