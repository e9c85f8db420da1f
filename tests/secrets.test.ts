import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../planner";
import { Plan, PlanResource } from "../planner/types";
import { must } from "./helpers/must";
import { loadPlan, one, STACKS } from "./helpers/plans";

/**
 * Kubeconfig, storage key, PostgreSQL password, Pachyderm root token and connection strings are
 * Pulumi secrets as inputs (the engine sees the secret marker) and as outputs, and no output of
 * `plan` (printed, JSON, YAML) contains their values. The mocks produce recognisable values:
 * random results `mock-<hex>`, storage keys base64("mock-key-<account>"), a kubeconfig with
 * certificate-authority-data.
 */
const LEAKS = [/mock-[0-9a-f]{8,}/, /mock-key-/, /bW9jay1rZXkt/, /certificate-authority-data/, /TU9DSy1DQQ==/];

function k8sSecret(plan: Plan, name: string): PlanResource {
    const found = plan.resources.find(
        (r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { name?: string } | undefined)?.name === name,
    );
    return must(found, `the Kubernetes Secret ${name} in ${plan.stack}`);
}

function secretAt(r: PlanResource, path: string): boolean {
    return r.secretInputs.some((p) => p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

describe.each(STACKS)("secrets of %s", (stack) => {
    const plan = loadPlan(stack);

    it("exports the kubeconfig as a secret output and never its value", () => {
        expect(plan.secretOutputs).toContain("kubeconfig");
        expect(plan.outputs.kubeconfig).toBe("[secret]");
    });

    it("hands the kubeconfig to the Kubernetes provider as a secret input", () => {
        const provider = one(plan, "pulumi:providers:kubernetes");
        expect(secretAt(provider, "kubeconfig")).toBe(true);
    });

    it("keeps the PostgreSQL password, root token and deployment id secret in their Kubernetes Secrets", () => {
        expect(secretAt(k8sSecret(plan, "postgres"), "stringData.postgresql-password")).toBe(true);
        const auth = k8sSecret(plan, "pachyderm-auth");
        expect(auth.secretInputs.length).toBeGreaterThan(0);
        expect(JSON.stringify(auth.inputs)).not.toMatch(/mock-[0-9a-f]{8,}/);
    });

    it("writes no secret value into the plan JSON", () => {
        const text = JSON.stringify(plan);
        for (const leak of LEAKS)
            expect({ stack, leak: String(leak), found: leak.test(text) }).toEqual({ stack, leak: String(leak), found: false });
    });
});

it("keeps the Flexible Server admin password secret (prod)", () => {
    const server = one(loadPlan("prod"), "azure-native:dbforpostgresql:Server");
    expect(secretAt(server, "administratorLoginPassword")).toBe(true);
    expect(server.inputs.administratorLoginPassword).toBe("[secret]");
});

describe("shared-key mode", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-secrets-"));
    let printed = "";
    let plan: Plan;
    beforeAll(() => {
        printed = execFileSync(
            path.join(REPO_ROOT, "node_modules/.bin/tsx"),
            [
                path.join(REPO_ROOT, "tools/plan.ts"),
                "--stack",
                "dev",
                "--set",
                "storageAuthMode=sharedKey",
                "--json",
                path.join(dir, "plan.json"),
                "--out",
                path.join(dir, "k8s"),
            ],
            { cwd: REPO_ROOT, encoding: "utf8" },
        );
        plan = JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8"));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("puts the storage key in pachyderm-storage-secret as a secret input", () => {
        const s = k8sSecret(plan, "pachyderm-storage-secret");
        expect(secretAt(s, "stringData.AZURE_STORAGE_KEY")).toBe(true);
    });

    it("prints, writes and renders no secret value", () => {
        const yaml = fs
            .readdirSync(path.join(dir, "k8s"))
            .map((f) => fs.readFileSync(path.join(dir, "k8s", f), "utf8"))
            .join("\n");
        expect(yaml).toContain("kind: Secret");
        for (const [what, text] of [
            ["printed plan", printed],
            ["plan JSON", JSON.stringify(plan)],
            ["YAML", yaml],
        ] as const) {
            for (const leak of LEAKS)
                expect({ what, leak: String(leak), found: leak.test(text) }).toEqual({ what, leak: String(leak), found: false });
        }
    });
});
