/** The offline evaluator mirrors the engine's handling of levels, config and notApplicable. */
import type { StackValidationPolicy } from "@pulumi/policy";
import type { Plan } from "../../planner/types";
import { allPolicies } from "../../policy/rules";
import { evaluatePlan, evaluatePolicies } from "../helpers/policyEngine";
import { Stack } from "./fixtures";

function badTls(): Stack {
    const s = Stack.golden("dev");
    s.in("data").minimumTlsVersion = "TLS1_0";
    return s;
}

describe("evaluatePolicies", () => {
    it("config enforcementLevel overrides the policy's, as a --policy-pack-config file does", async () => {
        const e = await evaluatePolicies(badTls().resources, allPolicies, { "storage-https-tls12": "advisory" });
        expect(e.violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([["storage-https-tls12", "advisory"]]);
    });

    it("a disabled policy does not run", async () => {
        const e = await evaluatePolicies(badTls().resources, allPolicies, { "storage-https-tls12": { enforcementLevel: "disabled" } });
        expect(e.violations).toEqual([]);
        expect(e.perPolicy.find((p) => p.name === "storage-https-tls12")?.status).toBe("n/a");
    });

    it("production-only policies are not applicable in a dev stack, with the reason", async () => {
        const e = await evaluatePolicies(Stack.golden("dev").resources);
        const pitr = e.perPolicy.find((p) => p.name === "storage-point-in-time-restore")!;
        expect(pitr.status).toBe("n/a");
        expect(pitr.notApplicable).toEqual(["production-only rule"]);
    });

    it("resource policies filtered by validateResourceOfType skip other types without calling the validation", async () => {
        const e = await evaluatePolicies(Stack.golden("dev").resources.filter((r) => r.type.startsWith("kubernetes:")));
        expect(e.perPolicy.find((p) => p.name === "aks-sku-tier")?.status).toBe("n/a");
    });

    it("getConfig gives the policy its config without enforcementLevel, plus the offline 'all' defaults", async () => {
        const seen: object[] = [];
        const probe: StackValidationPolicy = {
            name: "probe",
            description: "probe",
            enforcementLevel: "mandatory",
            validateStack: (args) => {
                seen.push(args.getConfig());
            },
        };
        await evaluatePolicies([], [probe], { all: { environment: "prod" }, probe: { enforcementLevel: "advisory", x: 1 } });
        expect(seen).toEqual([{ environment: "prod", x: 1 }]);
    });

    it("exposes the plan-only resource options to policies", async () => {
        const seen: unknown[] = [];
        const probe: StackValidationPolicy = {
            name: "probe",
            description: "probe",
            validateStack: (args) => {
                seen.push(args.resources.find((r) => r.name === "data")?.opts);
            },
        };
        await evaluatePolicies(Stack.golden("prod").resources, [probe]);
        expect(seen[0]).toMatchObject({ protect: true, retainOnDelete: true, replaceOnChanges: [], secretInputs: [] });
    });
});

describe("evaluatePlan", () => {
    const plan = (outputs: Record<string, unknown>, secretOutputs: string[]): Plan => ({
        project: "pachyderm-azure",
        stack: "test",
        resources: Stack.golden("dev").resources,
        outputs,
        secretOutputs,
    });

    it("reports a credential stack output that is not secret", async () => {
        const e = await evaluatePlan(plan({ kubeconfig: "apiVersion: v1", clusterName: "aks" }, []));
        expect(e.violations.map((v) => v.policy)).toEqual(["secrets-are-pulumi-secrets"]);
        expect(e.violations[0]?.message).toContain("kubeconfig");
        expect(e.violations[0]?.message).not.toContain("apiVersion");
    });

    it("accepts it when secret", async () => {
        const e = await evaluatePlan(plan({ kubeconfig: "[secret]" }, ["kubeconfig"]));
        expect(e.violations).toEqual([]);
    });
});

describe("docs/policy.md", () => {
    it("lists every policy of the pack", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const doc: string = require("fs").readFileSync(require("path").resolve(__dirname, "../../docs/policy.md"), "utf8");
        expect(allPolicies.map((p) => p.name).filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
    });
});
