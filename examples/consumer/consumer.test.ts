/**
 * The example consumer program under Pulumi mocks: the platform stack is a mocked StackReference returning the
 * outputs contract; we check the Cosmos container it creates, the pipeline ConfigMap, and that the kubeconfig stays
 * secret all the way to the Kubernetes provider.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import * as path from "path";
import { assertSupportedContract, PLATFORM_OUTPUT_NAMES, platformOutputs } from "./platform";

const PLATFORM_STACK = "my-org/pachyderm-azure/dev";
const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\nusers: [{name: u, user: {token: super-secret-token}}]\n";

/** The platform's example outputs (contracts/outputs.example.json) with a readable kubeconfig in place of "[secret]". */
const OUTPUTS: Record<string, unknown> = {
    ...JSON.parse(readFileSync(path.resolve(__dirname, "../../contracts/outputs.example.json"), "utf8")),
    kubeconfig: KUBECONFIG,
};

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider?: string;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
    {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            if (args.type === "pulumi:pulumi:StackReference") {
                const name = String(args.inputs.name);
                // `no-secret-names/...`: a platform stack that does not report secretOutputNames.
                const secretOutputNames = name.startsWith("no-secret-names/") ? undefined : ["kubeconfig"];
                return { id: name, state: { name, outputs: OUTPUTS, secretOutputNames } };
            }
            return { id: `${args.name}-id`, state: { ...args.inputs, name: args.inputs.containerName ?? args.name } };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            return args.inputs;
        },
    },
    "pachyderm-consumer",
    "ml-dev",
    true, // preview
);
pulumi.runtime.setAllConfig({ "pachyderm-consumer:platformStack": PLATFORM_STACK });

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> =>
    new Promise((resolve) =>
        o.apply((v) => {
            resolve(v);
            return v;
        }),
    );

let program: typeof import("./index");

beforeAll(async () => {
    program = await import("./index");
    await promiseOf(program.pipelineSpecConfigMap);
    await promiseOf(program.containerId);
});

const byType = (t: string | RegExp) => registered.filter((r) => (typeof t === "string" ? r.type === t : t.test(r.type)));
/** The one resource registered with a type. */
function oneOf(t: string | RegExp): Registered {
    const [only, ...others] = byType(t);
    if (!only || others.length > 0) throw new Error(`expected one ${t} resource, found ${byType(t).length}`);
    return only;
}

test("the platform is read through a StackReference to the configured stack", () => {
    const refs = byType("pulumi:pulumi:StackReference");
    expect(refs.map((r) => r.inputs.name)).toContain(PLATFORM_STACK);
});

test("creates its own Cosmos container in the platform's account and database", () => {
    // azure-native v3 registers the `cosmosdb` module's resources as `azure-native:cosmosdb:*` (formerly `documentdb`).
    const c = oneOf(/^azure-native:(cosmosdb|documentdb):SqlResourceSqlContainer$/);
    expect(c.inputs).toMatchObject({
        resourceGroupName: "rg-pachlab-dev",
        accountName: OUTPUTS.cosmosAccountName,
        databaseName: "labmeta",
        containerName: "features",
        resource: { id: "features", partitionKey: { paths: ["/featureSetId"], kind: "Hash", version: 2 } },
    });
});

test("the pipeline spec ConfigMap goes through the Kubernetes provider built from the platform's kubeconfig", () => {
    const provider = oneOf("pulumi:providers:kubernetes");
    // The provider receives the kubeconfig as a secret (Pulumi's secret envelope), not as a plain string.
    expect(provider.inputs.kubeconfig).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: KUBECONFIG });
    const cm = oneOf("kubernetes:core/v1:ConfigMap");
    expect(cm.provider).toMatch(/pulumi:providers:kubernetes::platform-aks::/);
    const spec = JSON.parse((cm.inputs.data as { "pipeline.json": string })["pipeline.json"]);
    expect(spec).toMatchObject({
        pipeline: { name: "feature-builder" },
        transform: { env: { COSMOS_ENDPOINT: OUTPUTS.cosmosEndpoint, COSMOS_DATABASE: "labmeta", COSMOS_CONTAINER: "features" } },
    });
});

test("the kubeconfig stays secret; ordinary outputs do not become secret", async () => {
    const platform = platformOutputs(new pulumi.StackReference("check", { name: PLATFORM_STACK }));
    expect(await pulumi.isSecret(platform.kubeconfig)).toBe(true);
    expect(await promiseOf(platform.kubeconfig)).toBe(KUBECONFIG);
    expect(await pulumi.isSecret(platform.cosmosEndpoint)).toBe(false);
    expect(await promiseOf(platform.subnetIds)).toEqual(OUTPUTS.subnetIds);
    // Even when the platform stack does not flag it, the helper keeps the kubeconfig secret.
    const unflagged = platformOutputs(new pulumi.StackReference("unflagged", { name: "no-secret-names/pachyderm-azure/dev" }));
    expect(await pulumi.isSecret(unflagged.kubeconfig)).toBe(true);
});

test("only the supported contract major version is accepted (a mismatch fails the deployment)", () => {
    expect(assertSupportedContract("1.0.0")).toBe("1.0.0");
    expect(assertSupportedContract("1.4.2")).toBe("1.4.2");
    expect(() => assertSupportedContract("2.0.0")).toThrow(/contract 2\.0\.0 is not supported/);
    expect(() => assertSupportedContract(undefined)).toThrow(/not supported/);
});

test("the helper reads every output of the contract schema", () => {
    const schema = JSON.parse(readFileSync(path.resolve(__dirname, "../../contracts/outputs.schema.json"), "utf8"));
    expect([...PLATFORM_OUTPUT_NAMES].sort()).toEqual(Object.keys(schema.properties).sort());
    expect(Object.keys(OUTPUTS).sort()).toEqual(Object.keys(schema.properties).sort());
});
