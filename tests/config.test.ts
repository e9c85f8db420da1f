import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS, ConfigValidationError, parseConfig, PlatformConfig, SECRET_KEYS } from "../lib/config";
import { listStacks, loadStackConfig, REPO_ROOT } from "../planner";
import { AzureLikeMocks } from "../planner/mocks";
import { configDeclarations } from "../tools/config-reference";

const project = "pachyderm-azure";
const declarations = configDeclarations(REPO_ROOT);

/** The raw config the engine would pass for a stack, keys without namespace, plus overrides. */
function rawFor(stack: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const src = loadStackConfig(stack);
    const raw = Object.fromEntries(Object.entries(src.config).map(([k, v]) => [k.slice(project.length + 1), v]));
    return { ...raw, ...overrides };
}

function problemsOf(raw: Record<string, unknown>, stack = "dev"): string[] {
    try {
        parseConfig(raw, { project, stack });
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigValidationError);
        expect(e).toBeInstanceOf(pulumi.RunError);
        return (e as ConfigValidationError).problems.map((p) => p.key);
    }
    return [];
}

describe("Pulumi.yaml config schema", () => {
    it("declares exactly the keys parseConfig reads, each with a type, a description and a default (but environment)", () => {
        const declared = Object.keys(declarations).sort();
        expect(declared).toEqual([...CONFIG_KEYS].sort());
        for (const [key, decl] of Object.entries(declarations)) {
            expect({ key, type: typeof decl.type }).toEqual({ key, type: "string" });
            expect({ key, hasDescription: typeof decl.description === "string" && decl.description.length > 10 }).toEqual({
                key,
                hasDescription: true,
            });
            expect({ key, hasDefault: "default" in decl }).toEqual({ key, hasDefault: key !== "environment" });
        }
    });

    it("declares no optional key `secret: true` (the CLI applies it to the default and refuses every stack that leaves the key unset)", () => {
        for (const key of SECRET_KEYS) expect(declarations[key]).not.toHaveProperty("secret");
        for (const [key, decl] of Object.entries(declarations)) {
            if (decl.secret) expect({ key, default: decl.default }).toEqual({ key, default: undefined });
        }
    });

    it("keeps plaintext secrets out of every stack file", () => {
        for (const stack of listStacks()) {
            const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"));
            for (const key of SECRET_KEYS) {
                const v = doc.config?.[`${project}:${key}`];
                if (v !== undefined && v !== "") expect(v).toHaveProperty("secure");
            }
            expect(JSON.stringify(doc)).not.toMatch(/PRIVATE KEY|password\s*[:=]/i);
        }
    });
});

describe("parseConfig on the committed stacks", () => {
    const parsed = (stack: string): PlatformConfig => parseConfig(rawFor(stack), { project, stack });

    it.each(["dev", "staging", "prod"])("accepts %s", (stack) => {
        expect(() => parsed(stack)).not.toThrow();
    });

    it("derives protection from the environment kind", () => {
        expect(parsed("dev").protection).toEqual({ protect: false, locks: false });
        expect(parsed("staging").protection).toEqual({ protect: false, locks: false });
        expect(parsed("prod").protection).toEqual({ protect: true, locks: true });
    });

    it("makes prod highly available and dev cheap", () => {
        const dev = parsed("dev");
        const prod = parsed("prod");
        expect(prod.zones).toEqual(["1", "2", "3"]);
        expect(dev.zones).toEqual([]);
        expect(prod.aks.tier).toBe("Standard");
        expect(dev.aks.tier).toBe("Free");
        expect(prod.storage.sku).toBe("Standard_GZRS");
        expect(prod.postgres).toMatchObject({ kind: "azureFlexible", highAvailability: true, geoRedundantBackup: true });
        expect(dev.postgres).toMatchObject({ kind: "inCluster", highAvailability: false });
        expect(parsed("staging").metadataStore.kind).toBe("glusterfs");
    });

    it("places the GlusterFS nodes and client address past Azure's reserved addresses of the data subnet", () => {
        const g = parsed("staging").metadataStore.gluster;
        expect(g.nodeIps).toEqual(["10.41.16.68", "10.41.16.69", "10.41.16.70"]);
        expect(g.clientIp).toBe("10.41.16.74");
    });

    it("parses Cosmos container specs", () => {
        const c = parseConfig(
            rawFor("dev", {
                cosmosContainers: JSON.stringify(["runs:/experimentId;ttl=-1;exclude=/payload/*", "events:/runId;ttl=86400"]),
            }),
            { project, stack: "dev" },
        );
        expect(c.cosmos.containers).toEqual([
            { name: "runs", partitionKeyPath: "/experimentId", defaultTtlSeconds: -1, excludedPaths: ["/payload/*"] },
            { name: "events", partitionKeyPath: "/runId", defaultTtlSeconds: 86400, excludedPaths: [] },
        ]);
    });

    it("accepts typed values as well as the engine's strings", () => {
        const c = parseConfig(rawFor("dev", { aksSystemNodeCount: 2, aksPrivateCluster: true, aksAuthorizedIpRanges: [] }), {
            project,
            stack: "dev",
        });
        expect(c.aks.systemPool.count).toBe(2);
        expect(c.aks.privateCluster).toBe(true);
    });

    it("keeps the OIDC client secret a Pulumi secret", async () => {
        const c = parseConfig(
            rawFor("dev", {
                pachydermOidcIssuer: "https://login.example.org/",
                pachydermOidcClientId: "pachyderm",
                pachydermOidcClientSecret: "s3cr3t-value",
            }),
            { project, stack: "dev", secretKeys: ["pachydermOidcClientSecret"] },
        );
        expect(await pulumi.isSecret(c.pachyderm.oidc!.clientSecret)).toBe(true);
    });
});

/** Bad overrides of the dev stack, and the keys parseConfig must name. */
const BAD_INPUT: [string, Record<string, unknown>, string[]][] = [
    ["malformed CIDR", { subnetAks: "10.40.0.0/33" }, ["subnetAks"]],
    ["host bits set", { vnetAddressSpace: "10.40.0.1/16" }, ["vnetAddressSpace"]],
    ["subnet outside the VNet", { subnetData: "10.99.0.0/26" }, ["subnetData"]],
    ["overlapping subnets", { subnetIngress: "10.40.1.0/26" }, ["subnetIngress"]],
    ["subnet too small", { subnetPostgres: "10.40.16.192/29" }, ["subnetPostgres"]],
    ["service CIDR overlapping the VNet", { aksServiceCidr: "10.40.128.0/20" }, ["aksServiceCidr", "aksDnsServiceIp"]],
    ["pod CIDR overlapping the service CIDR", { aksPodCidr: "172.16.0.0/12" }, ["aksPodCidr"]],
    ["DNS IP outside the service CIDR", { aksDnsServiceIp: "172.17.0.10" }, ["aksDnsServiceIp"]],
    ["DNS IP is the network address", { aksDnsServiceIp: "172.16.0.0" }, ["aksDnsServiceIp"]],
    ["0.0.0.0/0 authorized", { aksAuthorizedIpRanges: JSON.stringify(["0.0.0.0/0"]) }, ["aksAuthorizedIpRanges[0]"]],
    ["public API server without ranges", { aksAuthorizedIpRanges: "[]", aksPrivateCluster: "false" }, ["aksAuthorizedIpRanges"]],
    ["SSH from anywhere", { ingressAdminSourceCidrs: JSON.stringify(["0.0.0.0/0"]) }, ["ingressAdminSourceCidrs[0]"]],
    ["SSH exposed as an ingest port", { ingressPorts: "[443, 22]" }, ["ingressPorts"]],
    ["bad Kubernetes version", { kubernetesVersion: "v1.32" }, ["kubernetesVersion"]],
    ["min > max nodes", { aksUserMinCount: "5", aksUserMaxCount: "3" }, ["aksUserMinCount"]],
    ["count not an integer", { aksSystemNodeCount: "three" }, ["aksSystemNodeCount"]],
    ["region without zones", { location: "westcentralus" }, ["location"]],
    ["unknown key", { aksNodeCount: "3" }, ["aksNodeCount"]],
    ["pachd IP outside the node subnet", { pachdInternalIp: "10.40.16.10" }, ["pachdInternalIp"]],
    ["pachd IP reserved by Azure", { pachdInternalIp: "10.40.15.255" }, ["pachdInternalIp"]],
    ["pachd IP among the first node addresses", { pachdInternalIp: "10.40.0.4" }, ["pachdInternalIp"]],
    ["restore window not shorter than soft delete", { storagePointInTimeRestoreDays: "7" }, ["storagePointInTimeRestoreDays"]],
    ["memory limit below request", { pachdMemoryLimit: "512Mi" }, ["pachdMemoryLimit"]],
    ["missing SSH key", { sshPublicKey: "" }, ["sshPublicKey"]],
    ["shell injection in a name", { namePrefix: "lab;rm -rf" }, ["namePrefix"]],
    ["YAML injection in a container name", { storageContainerName: "data\nkind: Secret" }, ["storageContainerName"]],
    ["bad cosmos container spec", { cosmosContainers: JSON.stringify(["runs"]) }, ["cosmosContainers[0]"]],
    ["serverless with a second region", { cosmosSecondaryLocation: "northeurope" }, ["cosmosSecondaryLocation"]],
    [
        "OIDC issuer without client",
        { pachydermOidcIssuer: "https://login.example.org/" },
        ["pachydermOidcClientId", "pachydermOidcClientSecret"],
    ],
    ["etcd members not 1 or 3", { etcdReplicas: "2" }, ["etcdReplicas"]],
    ["Pachyderm release without a pinned pachctl checksum", { pachydermVersion: "2.12.3" }, ["pachydermVersion"]],
    ["Spot workers with a CriticalAddonsOnly system pool", { aksSystemCriticalAddonsOnly: "true" }, ["aksUserSpot"]],
    ["shutdown time not HHMM", { ingressShutdownTime: "7pm" }, ["ingressShutdownTime"]],
    ["negative Log Analytics cap", { logDailyCapGb: "-1" }, ["logDailyCapGb"]],
    ["unknown Container Insights profile", { containerInsightsProfile: "minimal" }, ["containerInsightsProfile"]],
];

describe("parseConfig rejects bad input, naming each key", () => {
    it.each(BAD_INPUT)("%s", (_title, overrides, keys) => {
        expect(problemsOf(rawFor("dev", overrides))).toEqual(expect.arrayContaining(keys));
        expect(new Set(problemsOf(rawFor("dev", overrides)))).toEqual(new Set(keys));
    });
});

describe("parseConfig: production requirements, every problem at once, no secret echoed", () => {
    it("enforces production requirements on prod stacks only", () => {
        const cheap = {
            aksTier: "Free",
            storageSku: "Standard_LRS",
            zones: "[]",
            etcdReplicas: "1",
            metadataDiskSku: "Premium_LRS",
            aksSystemCriticalAddonsOnly: "false",
        };
        expect(problemsOf(rawFor("dev", cheap))).toEqual([]);
        expect(new Set(problemsOf(rawFor("prod", cheap), "prod"))).toEqual(
            new Set(["aksTier", "storageSku", "zones", "etcdReplicas", "metadataDiskSku", "aksSystemCriticalAddonsOnly"]),
        );
    });

    it("reports every problem at once, in one message naming each key", () => {
        const raw = rawFor("dev", {
            subnetAks: "10.40.0.0/33",
            aksAuthorizedIpRanges: JSON.stringify(["0.0.0.0/0"]),
            subnetIngress: "10.40.16.0/26",
            subnetData: "10.40.16.0/26",
        });
        try {
            parseConfig(raw, { project, stack: "dev" });
            throw new Error("expected a ConfigValidationError");
        } catch (e) {
            const msg = (e as Error).message;
            expect(msg).toContain("pachyderm-azure:subnetAks");
            expect(msg).toContain("pachyderm-azure:aksAuthorizedIpRanges[0]");
            expect(msg).toContain("pachyderm-azure:subnetData");
            expect(msg.split("\n")[0]).toMatch(/^Invalid configuration \(\d+ problems\):$/);
        }
    });

    it("never echoes a secret value", () => {
        expect.assertions(2);
        try {
            parseConfig(rawFor("dev", { pachydermOidcClientSecret: "x".repeat(600) + "TOPSECRET" }), { project, stack: "dev" });
        } catch (e) {
            expect((e as Error).message).toContain("pachydermOidcClientSecret");
            expect((e as Error).message).not.toContain("TOPSECRET");
        }
    });
});

describe("the program with bad config", () => {
    it("declares no resource", async () => {
        let registered = 0;
        const src = loadStackConfig("dev", REPO_ROOT, { subnetAks: "not-a-cidr" });
        pulumi.runtime.setAllConfig(src.config, src.secretKeys);
        const azure = new AzureLikeMocks();
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    registered++;
                    return azure.newResource(a);
                },
                call: (a) => azure.call(a),
            },
            project,
            "dev",
            false,
        );
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after the mocks are installed
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            /Invalid configuration \(1 problem\):\n.*pachyderm-azure:subnetAks/,
        );
        await new Promise((r) => setTimeout(r, 50));
        expect(registered).toBe(0);

        // The same harness does see resources when the config is good, so the zero above means something.
        const good = loadStackConfig("dev");
        pulumi.runtime.setAllConfig(good.config, good.secretKeys);
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program must load after the mocks are installed
        jest.isolateModules(() => require("../index"));
        await new Promise((r) => setTimeout(r, 200));
        expect(registered).toBeGreaterThan(10);
    });

    it("makes `npm run plan` exit non-zero with one message and no stack trace", () => {
        let status = 0;
        let stderr = "";
        try {
            execFileSync(
                path.join(REPO_ROOT, "node_modules/.bin/tsx"),
                [
                    path.join(REPO_ROOT, "tools/plan.ts"),
                    "--stack",
                    "dev",
                    "--quiet",
                    "--set",
                    "subnetIngress=10.40.0.0/26",
                    "--set",
                    'aksAuthorizedIpRanges=["0.0.0.0/0"]',
                    "--set",
                    "subnetData=10.40.16.64/33",
                ],
                { cwd: REPO_ROOT, stdio: "pipe" },
            );
        } catch (e) {
            const failed = e as { status: number; stderr: Buffer };
            status = failed.status;
            stderr = failed.stderr.toString();
        }
        expect(status).toBe(1);
        expect(stderr).toMatch(/pachyderm-azure:subnetIngress: 10\.40\.0\.0\/26 overlaps subnetAks/);
        expect(stderr).toContain("pachyderm-azure:aksAuthorizedIpRanges[0]");
        expect(stderr).toContain("pachyderm-azure:subnetData");
        expect(stderr).not.toMatch(/^\s+at /m);
        expect(stderr.match(/Invalid configuration/g)).toHaveLength(1);
    });
});
