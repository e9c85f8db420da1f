import * as fs from "fs";
import * as path from "path";
import { checkStateful, statefulUrns } from "../planner/stateful";
import { loadPlan, STACKS } from "./helpers/plans";

/** The data-loss guard: a change that drops or renames a data-holding resource fails here. */
describe.each(STACKS)("stateful resources of %s", (stack) => {
    const pinned: string[] = JSON.parse(fs.readFileSync(path.join(__dirname, "stateful", `${stack}.json`), "utf8"));
    const plan = loadPlan(stack);

    it("are all still in the plan (or carried over by an alias)", () => {
        const findings = checkStateful(pinned, plan);
        expect(findings.map((f) => f.message)).toEqual([]);
    });

    it("are all pinned (new ones are added with `npm run stateful:update`)", () => {
        expect(statefulUrns(plan).filter((u) => !pinned.includes(u))).toEqual([]);
    });
});

describe("checkStateful", () => {
    const plan = loadPlan("prod");
    const pinned = statefulUrns(plan);
    const victim = pinned[0];

    it("names a renamed stateful resource", () => {
        const renamed = {
            ...plan,
            resources: plan.resources.map((r) => (r.urn === victim ? { ...r, urn: `${victim}-renamed`, name: `${r.name}-renamed` } : r)),
        };
        const findings = checkStateful(pinned, renamed);
        expect(findings).toHaveLength(1);
        expect(findings[0]?.message).toContain(victim);
        expect(findings[0]?.message).toContain("data loss");
    });

    it("accepts a rename carried over by an alias", () => {
        const renamed = {
            ...plan,
            resources: plan.resources.map((r) => (r.urn === victim ? { ...r, urn: `${victim}-renamed`, aliases: [victim] } : r)),
        };
        expect(checkStateful(pinned, renamed)).toEqual([]);
    });

    it("names a removed stateful resource", () => {
        const removed = { ...plan, resources: plan.resources.filter((r) => r.urn !== victim) };
        expect(checkStateful(pinned, removed).map((f) => f.urn)).toEqual([victim]);
    });
});
