/**
 * The outputs contract (contracts/outputs.schema.json, documented in docs/outputs.md): every stack's plan exports
 * exactly the contract's outputs, and the schema itself rejects removed, renamed and extra outputs.
 */
import Ajv2020 from "ajv/dist/2020";
import type { ErrorObject } from "ajv";
import { readFileSync } from "fs";
import * as path from "path";
import { loadPlan, STACKS } from "../helpers/plans";

const ROOT = path.resolve(__dirname, "../..");
const schema = JSON.parse(readFileSync(path.join(ROOT, "contracts/outputs.schema.json"), "utf8")) as {
    $schema: string;
    additionalProperties: boolean;
    properties: Record<string, { const?: unknown }>;
    required: string[];
};
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

const fmt = (errors: ErrorObject[] | null | undefined): string[] =>
    (errors ?? []).map(
        (e) =>
            `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}${e.params && "missingProperty" in e.params ? ` (${String(e.params.missingProperty)})` : ""}`,
    );

/** Every stack with a Pulumi.<stack>.yaml file. */
const stacks = STACKS;

/** A complete, valid set of outputs: contracts/outputs.example.json (the outputs of a dev plan). */
const VALID_OUTPUTS: Record<string, unknown> = JSON.parse(readFileSync(path.join(ROOT, "contracts/outputs.example.json"), "utf8"));

describe("the outputs schema itself", () => {
    test("is a strict draft 2020-12 schema: every property required, no extra property allowed", () => {
        expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
        expect(schema.additionalProperties).toBe(false);
        expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
        expect(schema.properties.contractVersion?.const).toBe("1.0.0");
        expect(Object.keys(VALID_OUTPUTS).sort()).toEqual(Object.keys(schema.properties).sort());
    });

    test("accepts a complete, valid set of outputs (managed disk, SSH off) and a GlusterFS one with SSH", () => {
        expect(fmt(validate(VALID_OUTPUTS) ? [] : validate.errors)).toEqual([]);
        const gluster = {
            ...VALID_OUTPUTS,
            metadataStoreKind: "glusterfs",
            metadataStoreAddress: "10.40.16.70:/pachmeta",
            ingressSshCommand: "ssh -p 50022 labadmin@pip-pachlab-dev-1a2b3c.westeurope.cloudapp.azure.com",
        };
        expect(fmt(validate(gluster) ? [] : validate.errors)).toEqual([]);
    });

    test("rejects a removed output", () => {
        const rest = { ...VALID_OUTPUTS };
        delete rest.pachdS3Endpoint;
        expect(validate(rest)).toBe(false);
        expect(fmt(validate.errors)).toContain("/ must have required property 'pachdS3Endpoint' (pachdS3Endpoint)");
    });

    test("rejects a renamed output (missing old name and unknown new name)", () => {
        const { storageUrl, ...rest } = VALID_OUTPUTS;
        expect(validate({ ...rest, objectStoreUrl: storageUrl })).toBe(false);
        const errs = fmt(validate.errors);
        expect(errs).toContain("/ must have required property 'storageUrl' (storageUrl)");
        expect(errs).toContain("/ must NOT have additional properties (objectStoreUrl)");
    });

    test.each([
        ["contractVersion", "2.0.0"],
        ["pachdGrpcAddress", "grpc://10.40.15.250:650"],
        ["pachdS3Endpoint", "https://10.40.15.250:30600"],
        ["storageUrl", "wasb://pachyderm"],
        ["metadataStoreKind", "nfs"],
        ["metadataStoreAddress", "10.40.16.70:/pachmeta"], // managedDisk must have null
        ["ingressSshCommand", ""],
        ["cosmosContainerNames", ["runs", "runs"]],
        ["subnetIds", { aks: "x" }],
    ])("rejects a bad %s", (key, value) => {
        expect(validate({ ...VALID_OUTPUTS, [key]: value })).toBe(false);
    });
});

describe("every stack's plan exports exactly the contract", () => {
    test("there are stacks to check", () => {
        expect(stacks).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
    });

    test.each(stacks)("stack %s", (stack) => {
        const plan = loadPlan(stack);
        expect({ stack, errors: validate(plan.outputs) ? [] : fmt(validate.errors) }).toEqual({ stack, errors: [] });
        // kubeconfig is secret: the plan shows the marker and lists it among the secret outputs.
        expect(plan.secretOutputs).toContain("kubeconfig");
        expect(plan.outputs.kubeconfig).toBe("[secret]");
    });
});
