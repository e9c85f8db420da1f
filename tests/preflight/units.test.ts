import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AKS_SUPPORT_CALENDAR, aksSupportStatus } from "../../lib/aksSupport";
import { surgeNodes } from "../../lib/nodePools";
import { formatMarkdown, formatReport, PreflightReport } from "../../preflight";
import { evaluateEgress, grant, Permission, stateBackend } from "../../preflight/checks/access";
import { evaluateAksVersion, evaluateVmSizes, ResourceSku, vcpuDemand } from "../../preflight/checks/compute";
import { evaluateCosmos, evaluatePostgres, PostgresCapability } from "../../preflight/checks/services";
import { deploymentFacts } from "../../preflight/facts";
import { must } from "../helpers/must";
import { FIXTURES, stackConfig } from "./helpers";

/** The pure parts of preflight, fed with the recorded answers under tests/preflight/fixtures. */

const fixture = <T>(scenario: string, key: string): T =>
    JSON.parse(
        fs
            .readFileSync(path.join(FIXTURES, scenario, `${key}.az`), "utf8")
            .split("\n")
            .filter((l) => !l.startsWith("# "))
            .join("\n"),
    );
const SKUS = fixture<ResourceSku[]>("healthy", "vm_list-skus_--location_westeurope_--resource-type_virtualMachines_--all");
const PG = fixture<PostgresCapability[]>("healthy", "postgres_flexible-server_list-skus_--location_westeurope");

describe("surge (AgentPoolUpgradeSettings.maxSurge: percentages of the pool, fractions rounded up)", () => {
    test.each([
        ["33%", 12, 4],
        ["33%", 3, 1],
        ["33%", 1, 1],
        ["33%", 0, 0],
        ["100%", 5, 5],
        ["2", 10, 2],
    ])("%s of %i nodes = %i", (surge, count, nodes) => {
        expect(surgeNodes(surge as string, count as number)).toBe(nodes);
    });
    test("anything else is refused", () => expect(() => surgeNodes("a third", 3)).toThrow(/must be N or N%/));
});

describe("vCPU demand per family, from the SKU list (no size table of our own)", () => {
    test("staging: pools at max + surge and the three GlusterFS VMs share the DDSv5 family; the B2s ingress VM is BS", () => {
        const demand = vcpuDemand(SKUS, deploymentFacts(stackConfig("staging")).vms);
        // system 3+1 x D2ds_v5 (2), user 6+2 x D4ds_v5 (4), gluster 3 x D2ds_v5 (2); first deployment: 3x2 + 2x4 + 3x2.
        expect(demand).toEqual([
            expect.objectContaining({ family: "standardDDSv5Family", initial: 20, peak: 4 * 2 + 8 * 4 + 3 * 2 }),
            expect.objectContaining({ family: "standardBSFamily", initial: 2, peak: 2 }),
        ]);
    });
    test("a size missing from the list is named", () => {
        const vms = deploymentFacts(stackConfig("dev", { aksUserVmSize: "Standard_E4ds_v5" })).vms;
        expect(vcpuDemand(SKUS, vms)).toBe("Standard_E4ds_v5 (aksUserVmSize): no family or vCPUs in the SKU list");
    });
});

describe("VM size capabilities", () => {
    const facts = (overrides: Record<string, string>) => deploymentFacts(stackConfig("dev", overrides));
    test("an ephemeral OS disk needs 64 GB of cache or temp disk (D2s_v5 has no temp disk and a 50 GiB cache)", () => {
        expect(evaluateVmSizes(SKUS, facts({ aksSystemVmSize: "Standard_D2s_v5" }))).toMatchObject({
            status: "fail",
            message: expect.stringMatching(/Standard_D2s_v5 cannot hold a 64 GB ephemeral OS disk/),
            fix: "aksSystemVmSize, or aksOsDiskType Managed",
        });
        expect(evaluateVmSizes(SKUS, facts({ aksSystemVmSize: "Standard_D2s_v5", aksOsDiskType: "Managed" })).status).toBe("pass");
    });
    test("encryption at host needs EncryptionAtHostSupported", () => {
        const noHostEncryption = SKUS.map((s) =>
            s.name === "Standard_B2s"
                ? {
                      ...s,
                      capabilities: s.capabilities!.map((c) => (c.name === "EncryptionAtHostSupported" ? { ...c, value: "False" } : c)),
                  }
                : s,
        );
        expect(evaluateVmSizes(noHostEncryption, facts({}))).toMatchObject({
            status: "fail",
            message: expect.stringMatching(/ingress VM: Standard_B2s does not support encryption at host/),
        });
        expect(evaluateVmSizes(noHostEncryption, facts({ ingressEncryptionAtHost: "false" })).status).toBe("pass");
    });
    test("a size restricted in the region for the subscription fails", () => {
        const restricted = SKUS.map((s) =>
            s.name === "Standard_D4ds_v5"
                ? { ...s, restrictions: [{ type: "Location" as const, values: ["westeurope"], reasonCode: "NotAvailableForSubscription" }] }
                : s,
        );
        expect(evaluateVmSizes(restricted, facts({ aksUserVmSize: "Standard_D4ds_v5" }))).toMatchObject({
            status: "fail",
            message: expect.stringMatching(/restricted in westeurope for this subscription \(NotAvailableForSubscription\)/),
        });
    });
});

describe("permissions: ARM wildcards, NotActions per role, conditions", () => {
    const contributor: Permission = { actions: ["*"], notActions: ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"] };
    test("Contributor cannot write role assignments (NotActions match case-insensitively)", () => {
        expect(grant([contributor], "Microsoft.Authorization/roleAssignments/write")).toBe("denied");
        expect(grant([contributor], "Microsoft.Network/virtualNetworks/write")).toBe("granted");
    });
    test("roles add up; a NotAction of one role does not remove another role's grant", () => {
        expect(grant([contributor, { actions: ["Microsoft.Authorization/*"] }], "Microsoft.Authorization/roleAssignments/write")).toBe(
            "granted",
        );
    });
    test("a grant that holds only under a condition is conditional", () => {
        expect(
            grant(
                [contributor, { actions: ["Microsoft.Authorization/roleAssignments/write"], condition: "@Request[…] GuidEquals {…}" }],
                "Microsoft.Authorization/roleAssignments/write",
            ),
        ).toBe("conditional");
    });
    test("data actions are separate from actions", () => {
        const owner: Permission = { actions: ["*"], dataActions: [] };
        const blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write";
        expect(grant([owner], blob, true)).toBe("denied");
        expect(grant([owner, { dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"] }], blob, true)).toBe(
            "granted",
        );
    });
});

describe("AKS version and the support calendar (lib/aksSupport.ts)", () => {
    const minor = must(Object.keys(AKS_SUPPORT_CALENDAR)[0], "a minor in AKS_SUPPORT_CALENDAR");
    const facts = { ...deploymentFacts(stackConfig("dev")), kubernetesVersion: minor, kubernetesMinor: minor };
    const entry = { version: minor, patchVersions: { [`${minor}.4`]: {} } };
    const offered = { values: [entry] };
    /** The first day, scanning from 2020, on which the calendar gives `state` for the minor. */
    const dayWhen = (state: string) => {
        for (let t = Date.UTC(2020, 0, 1); t < Date.UTC(2035, 0, 1); t += 86400000)
            if (aksSupportStatus(minor, new Date(t)).state === state) return new Date(t);
        throw new Error(`no day with state ${state}`);
    };
    test.each([
        ["supported", "pass"],
        ["warn", "warn"],
        ["expired", "fail"],
    ])("calendar state %s -> %s", (state, status) => {
        expect(evaluateAksVersion(offered, facts, dayWhen(state)).status).toBe(status);
    });
    test("long-term support (Premium + AKSLongTermSupport) needs the LTS plan offered and moves the end of life", () => {
        const lts = { ...facts, aksLongTermSupport: true };
        const afterCommunityEol = new Date(Date.parse(`${must(AKS_SUPPORT_CALENDAR[minor], minor).endOfLife}T00:00:00Z`) + 86400000);
        expect(evaluateAksVersion(offered, facts, afterCommunityEol).status).toBe("fail");
        const withLts = { values: [{ ...entry, capabilities: { supportPlan: ["KubernetesOfficial", "AKSLongTermSupport"] } }] };
        expect(evaluateAksVersion(withLts, lts, afterCommunityEol).status).toBe("pass");
        expect(evaluateAksVersion(offered, lts, afterCommunityEol)).toMatchObject({
            status: "fail",
            message: expect.stringMatching(/not offered with long-term support/),
        });
    });
    test("a patch version must be one of the offered patches", () => {
        const today = dayWhen("supported");
        expect(evaluateAksVersion(offered, { ...facts, kubernetesVersion: `${minor}.4` }, today).status).toBe("pass");
        expect(evaluateAksVersion(offered, { ...facts, kubernetesVersion: `${minor}.3` }, today)).toMatchObject({
            status: "fail",
            fix: expect.stringMatching(/^kubernetesVersion/),
        });
    });
});

describe("PostgreSQL capabilities", () => {
    const prod = stackConfig("prod");
    test("not asked for in-cluster PostgreSQL", () => {
        expect(evaluatePostgres([], stackConfig("dev"))).toMatchObject({ status: "pass", message: "not used (postgresKind inCluster)" });
    });
    test("the HA standby zone (zones[1]) must be offered for the SKU", () => {
        const zone1Only = JSON.parse(JSON.stringify(PG)) as PostgresCapability[];
        for (const e of must(zone1Only[0]?.supportedServerEditions, "the editions"))
            for (const s of must(e.supportedServerSkus, `the SKUs of ${e.name}`)) s.supportedZones = ["1", "3"];
        expect(evaluatePostgres(zone1Only, prod)).toMatchObject({
            status: "fail",
            message: expect.stringMatching(/not offered in zone\(s\) 2/),
        });
    });
    test("a SKU or tier the region does not list fails on the key that chooses it", () => {
        expect(evaluatePostgres(PG, stackConfig("prod", { postgresSkuName: "Standard_D64ds_v5" }))).toMatchObject({
            status: "fail",
            fix: "postgresSkuName",
        });
        expect(evaluatePostgres(PG, stackConfig("prod", { postgresSkuTier: "MemoryOptimized" }))).toMatchObject({
            status: "fail",
            fix: "postgresSkuTier",
        });
    });
});

test("Cosmos DB: a regional (not zone-redundant) account only needs regular access", () => {
    const dev = deploymentFacts(stackConfig("dev"));
    const regularClosed = {
        value: [
            {
                name: "westeurope",
                properties: {
                    supportsAvailabilityZone: true,
                    isSubscriptionRegionAccessAllowedForAz: true,
                    isSubscriptionRegionAccessAllowedForRegular: false,
                    status: "Online",
                },
            },
        ],
    };
    expect(evaluateCosmos(regularClosed, dev)).toMatchObject({
        status: "fail",
        message: expect.stringMatching(/new accounts are not accepted/),
    });
    const azClosed = {
        value: [
            {
                name: "West Europe",
                properties: {
                    supportsAvailabilityZone: false,
                    isSubscriptionRegionAccessAllowedForAz: false,
                    isSubscriptionRegionAccessAllowedForRegular: true,
                    status: "Online",
                },
            },
        ],
    };
    expect(evaluateCosmos(azClosed, dev).status).toBe("pass");
});

describe("egress IP", () => {
    test("a private cluster needs no authorized range", () => {
        expect(evaluateEgress(stackConfig("dev", { aksPrivateCluster: "true", aksAuthorizedIpRanges: "[]" }), undefined, "-").status).toBe(
            "pass",
        );
    });
    test("the shipped RFC 5737 placeholder ranges warn even when the address is inside them", () => {
        expect(evaluateEgress(stackConfig("dev"), "203.0.113.9", "test")).toMatchObject({
            status: "warn",
            fix: expect.stringMatching(/aksAuthorizedIpRanges/),
        });
    });
    test("an address that is not IPv4 cannot be placed", () => {
        expect(evaluateEgress(stackConfig("dev"), "2001:db8::1", "test").status).toBe("warn");
    });
});

describe("state backend (PULUMI_BACKEND_URL, else `pulumi login`'s credentials.json)", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-pulumi-"));
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
    test("azblob URL with storage_account, or AZURE_STORAGE_ACCOUNT", () => {
        expect(stateBackend({ HOME: home, PULUMI_BACKEND_URL: "azblob://state/prod?storage_account=stx" }).backend).toEqual({
            kind: "azblob",
            container: "state/prod",
            account: "stx",
        });
        expect(stateBackend({ HOME: home, PULUMI_BACKEND_URL: "azblob://state", AZURE_STORAGE_ACCOUNT: "sty" }).backend).toEqual({
            kind: "azblob",
            container: "state",
            account: "sty",
        });
    });
    test("the current login of credentials.json, and whether it holds a token", () => {
        fs.mkdirSync(path.join(home, ".pulumi"));
        fs.writeFileSync(
            path.join(home, ".pulumi", "credentials.json"),
            JSON.stringify({ current: "https://api.pulumi.com", accessTokens: { "https://api.pulumi.com": "pul-x" } }),
        );
        expect(stateBackend({ HOME: home })).toEqual({ backend: { kind: "cloud", url: "https://api.pulumi.com" }, cloudToken: true });
        expect(stateBackend({ HOME: path.join(home, "nobody") })).toEqual({ backend: { kind: "none" }, cloudToken: false });
        expect(stateBackend({ HOME: home, PULUMI_BACKEND_URL: "file:///tmp/state" }).backend.kind).toBe("file");
    });
});

test("the report: one line per check, a fix on every line that is not a pass; Markdown cells escaped", () => {
    const report: PreflightReport = {
        stack: "prod",
        location: "westeurope",
        exitCode: 1,
        skipped: ["c"],
        results: [
            { id: "a", title: "A", status: "pass", message: "fine", fix: "keyA" },
            { id: "b", title: "B", status: "fail", message: "x | y", fix: "keyB" },
        ],
    };
    expect(formatReport(report).split("\n")).toEqual([
        "Preflight of stack prod in westeurope",
        "PASS  a  fine",
        "FAIL  b  x | y",
        "         fix: keyB",
        "1 pass, 0 warn, 1 fail, 0 not-run; skipped on purpose: c",
    ]);
    expect(formatMarkdown(report)).toMatch(/\| :x: \| b \| x \\\| y \| keyB \|/);
});
