import * as fs from "fs";
import * as path from "path";
import { RESERVED_USERNAMES } from "../lib/cloudinit/ingress";
import { AZURE_NATIVE_SETTINGS } from "../lib/config/keys";
import { keysOf, parse, problems, rawFor } from "./helpers/configFixtures";
import { must } from "./helpers/must";

/** Issue 13: each gap found by probing `npm run plan` with bad stack files, refused before anything is declared. */
const messageOf = (raw: Record<string, unknown>, key: string, stack = "dev") =>
    problems(raw, stack).find((p) => p.key === key)?.message ?? "";

describe("keys: typos and near-miss namespaces are refused, with a suggestion", () => {
    it.each(["pachyderm_azure", "Pachyderm-Azure", "pachyderm-azur", "pachydermazure"])("namespace %s", (ns) => {
        const raw = rawFor("prod", { [`${ns}:environment`]: "prod" });
        expect(messageOf(raw, `${ns}:environment`, "prod")).toMatch(/did you mean pachyderm-azure:environment\?/);
    });

    it("a misspelt key names the key it was probably meant to be", () => {
        expect(messageOf(rawFor("dev", { namePrefx: "lab" }), "namePrefx")).toMatch(/did you mean namePrefix\?/);
        expect(messageOf(rawFor("dev", { AKSTIER: "Free" }), "AKSTIER")).toMatch(/did you mean aksTier\?/);
    });

    it("allows azure-native provider settings only, and no kubernetes:* (the program uses an explicit provider)", () => {
        expect(keysOf(rawFor("dev", { "azure-native:location": "westeurope", "azure-native:subscriptionId": "x" }))).toEqual([]);
        expect(messageOf(rawFor("dev", { "azure-native:locaton": "westeurope" }), "azure-native:locaton")).toMatch(
            /did you mean azure-native:location\?/,
        );
        expect(keysOf(rawFor("dev", { "kubernetes:context": "x" }))).toEqual(["kubernetes:context"]);
        expect(keysOf(rawFor("dev", { "azure-natve:location": "x" }))).toEqual(["azure-natve:location"]);
    });

    it("lists exactly the settings @pulumi/azure-native/config declares", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const declared = Object.keys(require("@pulumi/azure-native/config")).sort();
        expect([...AZURE_NATIVE_SETTINGS].sort()).toEqual(declared);
    });
});

describe("environment", () => {
    it("is required: a stack without it is refused, not silently dev", () => {
        const raw = rawFor("prod");
        delete raw.environment;
        expect(messageOf(raw, "environment", "prod")).toMatch(/is required/);
    });

    it("must be prod for a stack named as production", () => {
        for (const stack of ["prod", "production", "prod-eu", "eu-prod"]) expect(keysOf(rawFor("dev"), stack)).toContain("environment");
        expect(keysOf(rawFor("dev"), "products")).not.toContain("environment");
    });
});

describe("values", () => {
    it.each([null, "null", "~"])("refuses YAML null (%p) instead of making it a name", (value) => {
        expect(messageOf(rawFor("dev", { namePrefix: value }), "namePrefix")).toMatch(/YAML null/);
    });

    it("refuses duplicate zones", () => expect(keysOf(rawFor("staging", { zones: JSON.stringify(["1", "1"]) }))).toEqual(["zones"]));

    it("refuses the .1 of the service CIDR as DNS service IP (kubernetes.default's address)", () => {
        expect(keysOf(rawFor("dev", { aksDnsServiceIp: "172.16.0.1" }))).toEqual(["aksDnsServiceIp"]);
        expect(keysOf(rawFor("dev", { aksDnsServiceIp: "172.16.0.2" }))).toEqual([]);
    });

    it.each(["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"])(
        "refuses AKS-reserved %s as service or pod CIDR",
        (cidr) => {
            expect(keysOf(rawFor("dev", { aksServiceCidr: cidr, aksDnsServiceIp: cidr.replace(/0\/\d+$/, "10") }))).toContain(
                "aksServiceCidr",
            );
            expect(keysOf(rawFor("dev", { aksPodCidr: cidr }))).toContain("aksPodCidr");
        },
    );

    it("refuses a service CIDR of /12 or larger, and public service or pod ranges", () => {
        expect(keysOf(rawFor("dev", { aksServiceCidr: "172.16.0.0/12" }))).toContain("aksServiceCidr");
        expect(keysOf(rawFor("dev", { aksPodCidr: "8.8.0.0/16" }))).toEqual(["aksPodCidr"]);
        expect(keysOf(rawFor("dev", { aksPodCidr: "100.64.0.0/16" }))).toEqual([]);
    });

    it.each([
        ["link-local", "169.254.0.0/16"],
        ["holding 168.63.129.16", "168.63.0.0/16"],
        ["loopback", "127.0.0.0/16"],
        ["multicast", "224.0.0.0/16"],
    ])("refuses a VNet that is %s", (_what, vnet) => {
        expect(keysOf(rawFor("dev", { vnetAddressSpace: vnet }))).toContain("vnetAddressSpace");
    });

    it("parses memory as Kubernetes quantities: no milli-bytes, no zero, floors with reasons", () => {
        expect(messageOf(rawFor("dev", { etcdMemoryLimit: "1m" }), "etcdMemoryLimit")).toMatch(/whole bytes/);
        expect(keysOf(rawFor("dev", { etcdMemoryLimit: "0" }))).toContain("etcdMemoryLimit");
        expect(keysOf(rawFor("dev", { pachdCpuRequest: "0" }))).toEqual(["pachdCpuRequest"]);
        expect(messageOf(rawFor("dev", { pachdMemoryLimit: "1Gi", pachdMemoryRequest: "1Gi" }), "pachdMemoryLimit")).toMatch(
            /at least 2Gi: pachd buffers up to 1 GB/,
        );
        expect(keysOf(rawFor("dev", { pachdMemoryLimit: "2147483648", etcdMemoryLimit: "1e9", etcdCpuRequest: "0.25" }))).toEqual([]);
        // Compared as quantities, not as text: 1024Mi is 1Gi.
        expect(keysOf(rawFor("dev", { etcdMemoryRequest: "1024Mi", etcdMemoryLimit: "1Gi" }))).toEqual([]);
    });
});

describe("what components refused late is refused by config, naming the key", () => {
    it("ingressIdleTimeoutMinutes above 30 (pachd's internal load balancer takes 4-30)", () => {
        expect(keysOf(rawFor("dev", { ingressIdleTimeoutMinutes: "31" }))).toEqual(["ingressIdleTimeoutMinutes"]);
        expect(keysOf(rawFor("dev", { ingressIdleTimeoutMinutes: "30" }))).toEqual([]);
    });

    it("a stack name that cannot be part of Azure names and DNS labels", () => {
        for (const stack of ["Dev", "dev_1", "-dev", "a-very-long-stack-name", "dev."])
            expect(keysOf(rawFor("dev"), stack)).toContain("stack");
        expect(keysOf(rawFor("dev"), "dev-2")).toEqual([]);
    });

    it("admin user names Azure refuses, and Ubuntu system accounts", () => {
        for (const u of ["admin", "support_388945a0", "ubuntu", "daemon", "azureuser"])
            expect(keysOf(rawFor("dev", { adminUsername: u }))).toEqual(["adminUsername"]);
    });

    it("refuses every name the Compute API documents as disallowed for adminUsername", () => {
        const dts = fs.readFileSync(path.join(__dirname, "../node_modules/@pulumi/azure-native/types/input.d.ts"), "utf8");
        const m = /Specifies the name of the administrator account\.[^\n]*\*\*Disallowed values:\*\* ([^<]*)</.exec(dts);
        const list = must(m?.[1], "the Disallowed values of adminUsername in azure-native's input.d.ts");
        const disallowed = [...list.matchAll(/"([^"]+)"/g)].map(([, name]) => must(name, "a quoted name"));
        expect(disallowed.length).toBeGreaterThan(20);
        for (const u of disallowed) expect({ u, reserved: RESERVED_USERNAMES.has(u) }).toEqual({ u, reserved: true });
    });

    it("an ingress port that is the SSH NAT frontend port", () => {
        expect(keysOf(rawFor("dev", { ingressPorts: "[443, 50022]" }))).toEqual(["ingressPorts"]);
    });
});

describe("sources: the internet however written; non-routable sources in prod", () => {
    it.each([
        [["0.0.0.0/1", "128.0.0.0/1"]],
        [["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]],
        [["11.0.0.0/9", "11.128.0.0/9"]],
    ])("refuses %p as admin or API-server sources, in prod too", (set) => {
        for (const key of ["aksAuthorizedIpRanges", "ingressAdminSourceCidrs"]) {
            for (const stack of ["dev", "prod"]) {
                const p = problems(rawFor(stack, { [key]: JSON.stringify(set) }), stack).filter((x) => x.key.startsWith(key));
                expect(p.length).toBeGreaterThan(0);
                expect(p.every((x) => /whole internet/.test(x.message))).toBe(true);
            }
        }
    });

    it("refuses documentation ranges as prod sources, saying what to set; dev keeps them as examples with a warning", () => {
        const raw = rawFor("prod", { prodWaivers: "{}" });
        expect(messageOf(raw, "aksAuthorizedIpRanges[0]", "prod")).toMatch(
            /documentation range \(RFC 5737\).*public egress CIDRs.*pulumi config set --path 'aksAuthorizedIpRanges\[0\]'/,
        );
        expect(keysOf(rawFor("prod", { prodWaivers: "{}", aksAuthorizedIpRanges: '["10.1.0.0/16"]' }), "prod")).toEqual([
            "aksAuthorizedIpRanges[0]",
        ]);
        expect(parse(rawFor("dev")).warnings.join("\n")).toMatch(/203\.0\.113\.0\/24 is a documentation range/);
    });
});

describe("prod waivers", () => {
    const weakenings: [string, Record<string, unknown>, string][] = [
        ["postgres-in-cluster", { postgresKind: "inCluster" }, "postgresKind"],
        ["storage-shared-key", { storageAuthMode: "sharedKey" }, "storageAuthMode"],
        ["no-encryption-at-host", { aksEncryptionAtHost: "false" }, "aksEncryptionAtHost"],
        ["cosmos-single-region", { cosmosSecondaryLocation: "" }, "cosmosSecondaryLocation"],
    ];
    const withWaivers = (extra: Record<string, string>) =>
        JSON.stringify({ "placeholder-source-ranges": "template stack for the tests", ...extra });

    it.each(weakenings)("%s: refused without the waiver, accepted and listed with it", (name, setting, key) => {
        expect(keysOf(rawFor("prod", setting), "prod")).toEqual([key]);
        const cfg = parse(
            rawFor("prod", { ...setting, prodWaivers: withWaivers({ [name]: "accepted by the platform team, ticket 42" }) }),
            "prod",
        );
        expect(cfg.waivers.map((w) => w.name).sort()).toEqual([name, "placeholder-source-ranges"].sort());
        expect(cfg.protection).toEqual({ protect: true, locks: true });
    });

    it("refuses waivers that waive nothing, have no reason, are unknown, or sit outside prod", () => {
        const unused = parse(rawFor("prod", { prodWaivers: withWaivers({ "storage-shared-key": "not needed at all" }) }), "prod");
        expect(unused.warnings).toContain("prodWaivers.storage-shared-key waives nothing this stack sets: remove it");
        expect(unused.waivers.map((w) => w.name)).toEqual(["placeholder-source-ranges"]);
        expect(
            keysOf(rawFor("prod", { storageAuthMode: "sharedKey", prodWaivers: withWaivers({ "storage-shared-key": "ok" }) }), "prod"),
        ).toContain("prodWaivers.storage-shared-key");
        expect(keysOf(rawFor("prod", { prodWaivers: withWaivers({ "no-zones": "because" }) }), "prod")[0]).toMatch(/^prodWaivers/);
        expect(keysOf(rawFor("dev", { prodWaivers: JSON.stringify({ "storage-shared-key": "dev has no baseline" }) }))).toEqual([
            "prodWaivers.storage-shared-key",
        ]);
    });
});

describe("secrets", () => {
    it("refuses a plain-text value for a secret key", () => {
        const raw = rawFor("dev", {
            pachydermOidcIssuer: "https://login.example.org/",
            pachydermOidcClientId: "pachyderm",
            pachydermOidcClientSecret: "TOPSECRET-value",
        });
        const p = problems(raw);
        expect(p.map((x) => x.key)).toEqual(["pachydermOidcClientSecret"]);
        expect(JSON.stringify(p)).not.toContain("TOPSECRET");
        expect(keysOf(raw, "dev")).toEqual(["pachydermOidcClientSecret"]);
    });

    it("refuses a secure value on a key that is not secret, instead of declassifying it into tags", () => {
        const { parseConfig } = jest.requireActual("../lib/config") as typeof import("../lib/config");
        const run = () =>
            parseConfig(rawFor("dev"), {
                project: "pachyderm-azure",
                stack: "dev",
                today: new Date("2026-12-02"),
                secretKeys: ["owner", "costCenter"],
            });
        expect(run).toThrow(/pachyderm-azure:owner: arrived as a secret, but it is not a secret setting/);
        expect(run).toThrow(/pachyderm-azure:costCenter/);
    });
});
