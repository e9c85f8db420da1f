import * as fs from "fs";
import * as path from "path";
import { availabilityOf } from "./helpers/availability";
import { must } from "./helpers/must";
import { loadPlan, one } from "./helpers/plans";

/**
 * Issue 16 made dev cheap through config only; production must keep its zones, replicas, HA and
 * protection. tests/fixtures/prod-availability.json is availabilityOf(prod plan) taken before that
 * change: every resource it lists must still be there with the same availability facts.
 */
const BEFORE: Record<string, Record<string, unknown>> = JSON.parse(
    fs.readFileSync(path.join(__dirname, "fixtures", "prod-availability.json"), "utf8"),
);

describe("production availability (before/after the cheap dev profile)", () => {
    const after = availabilityOf(loadPlan("prod"));

    it.each(Object.keys(BEFORE))("%s keeps its zones, replicas, HA and protection", (urn) => {
        expect(after[urn]).toEqual(BEFORE[urn]);
    });

    it("prod has no Spot pool, no untainted system pool and no VM shutdown schedule", () => {
        const plan = loadPlan("prod");
        expect(plan.resources.filter((r) => r.inputs.scaleSetPriority === "Spot")).toEqual([]);
        const aks = one(plan, "azure-native:containerservice:ManagedCluster");
        expect(must((aks.inputs.agentPoolProfiles as { nodeTaints?: string[] }[])[0], "the system pool").nodeTaints).toEqual([
            "CriticalAddonsOnly=true:NoSchedule",
        ]);
        expect(plan.resources.filter((r) => r.type === "azure-native:devtestlab:GlobalSchedule")).toEqual([]);
    });
});
