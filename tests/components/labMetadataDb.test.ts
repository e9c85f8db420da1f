import { MOCK_SUBSCRIPTION_ID } from "../../planner/mocks";
import {
    Captured,
    captureResources,
    dependsOn,
    evaluateComponent,
    ofType,
    one,
    placement,
    protection,
    settle,
    TYPE,
    valueOf,
    WORKSPACE_ID,
} from "../helpers/mockHarness";
import { must } from "../helpers/must";

const captured = captureResources();

const { LabMetadataDb, COSMOS_DATA_CONTRIBUTOR } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/labMetadataDb") as typeof import("../../components/labMetadataDb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deterministicGuid } = require("../../components/azure/roles") as typeof import("../../components/azure/roles");
type Args = import("../../components/labMetadataDb").LabMetadataDbArgs;

const PRINCIPAL = "99999999-8888-4777-8666-555555555555";
const VNET = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-pachlab`;

function args(env: "dev" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    return {
        ...placement(env),
        ...protection(env),
        capacityMode: prod ? "autoscale" : "serverless",
        maxThroughput: 4000,
        databaseName: "ingest",
        containers: [
            { name: "events", partitionKeyPath: "/source", defaultTtlSeconds: 2592000, excludedPaths: ["/payload/*"] },
            { name: "manifests", partitionKeyPath: "/repo", excludedPaths: [] },
        ],
        secondaryLocation: prod ? "northeurope" : undefined,
        backupTier: prod ? "Continuous30Days" : "Continuous7Days",
        vnetId: VNET,
        privateEndpointSubnetId: `${VNET}/subnets/snet-pep`,
        ...(prod ? { diagnostics: { workspaceId: WORKSPACE_ID } } : {}),
        ...over,
    };
}

interface Built {
    comp: InstanceType<typeof LabMetadataDb>;
    of: (type: string) => Captured[];
    get: (type: string, suffix: string) => Captured;
}

async function build(name: string, a: Args): Promise<Built> {
    const comp = new LabMetadataDb(name, a);
    // As index.ts does: the ingress VM's identity writes items.
    comp.grantDataContributor({ principalId: PRINCIPAL });
    await settle(comp.endpoint, comp.containerNames, comp.databaseName);
    return { comp, of: (type) => ofType(captured, type, name), get: (type, suffix) => one(captured, type, `${name}-${suffix}`) };
}

let dev: Built;
let prod: Built;

beforeAll(async () => {
    dev = await build("dev", args("dev"));
    prod = await build("prod", args("prod"));
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("LabMetadataDb (%s)", (env, get) => {
    const prodEnv = env === "prod";

    test("account: globally unique CAF name", () => {
        const a = get().get(TYPE.DatabaseAccount, "account").inputs;
        expect(a.accountName).toMatch(new RegExp(`^cosmos-pachlab-${env}-[0-9a-f]{6}$`));
    });

    test("the policy pack passes it: rules 29 (keyless, private, TLS 1.2) and 30 (continuous backup, resilience)", async () => {
        const verdict = await evaluateComponent(captured, env);
        expect(verdict.violations).toEqual([]);
        expect(verdict.passed).toEqual(expect.arrayContaining(["cosmos-keyless-private-tls12", "cosmos-continuous-backup-resilience"]));
    });

    test("rule 29: a Sql private endpoint with the documents.azure.com private zone", () => {
        const b = get();
        const pep = b.get(TYPE.PrivateEndpoint, "sql-pep");
        expect(pep.inputs.privateLinkServiceConnections[0].groupIds).toEqual(["Sql"]);
        expect(dependsOn(pep, b.get(TYPE.DatabaseAccount, "account"))).toBe(true);
        expect(pep.inputs.privateEndpointName).toBe(`pep-pachlab-${env}-cosmos`);
        expect(b.get(TYPE.PrivateZone, "sql-zone").inputs.privateZoneName).toBe("privatelink.documents.azure.com");
        expect(b.get(TYPE.VirtualNetworkLink, "sql-zone-link").inputs).toMatchObject({
            registrationEnabled: false,
            virtualNetwork: { id: VNET },
        });
        expect(b.get(TYPE.PrivateDnsZoneGroup, "sql-pep-dns").inputs.privateDnsZoneConfigs[0].privateDnsZoneId).toContain(
            "privatelink.documents.azure.com",
        );
    });

    test(`rule 30: continuous backup ${prodEnv ? "30" : "7"} days; zone redundancy and failover region in production`, () => {
        const a = get().get(TYPE.DatabaseAccount, "account").inputs;
        expect(a.backupPolicy).toEqual({
            type: "Continuous",
            continuousModeProperties: { tier: prodEnv ? "Continuous30Days" : "Continuous7Days" },
        });
        expect(a.enableAutomaticFailover).toBe(true);
        if (prodEnv) {
            expect(a.locations).toEqual([
                { locationName: "westeurope", failoverPriority: 0, isZoneRedundant: true },
                { locationName: "northeurope", failoverPriority: 1, isZoneRedundant: true },
            ]);
            expect(a.capabilities).toEqual([]);
        } else {
            expect(a.locations).toEqual([{ locationName: "westeurope", failoverPriority: 0, isZoneRedundant: false }]);
            expect(a.capabilities).toEqual([{ name: "EnableServerless" }]);
        }
    });

    test("database: autoscale throughput in production, none when serverless", () => {
        const db = get().get(TYPE.SqlResourceSqlDatabase, "db").inputs;
        expect(db.resource).toEqual({ id: "ingest" });
        if (prodEnv) expect(db.options).toEqual({ autoscaleSettings: { maxThroughput: 4000 } });
        else expect(db.options).toBeUndefined();
    });

    test("containers: hash partition key v2, TTL, excluded paths plus _etag", () => {
        const events = get().get(TYPE.SqlResourceSqlContainer, "container-events").inputs;
        expect(events.databaseName).toBe("ingest");
        expect(events.resource.partitionKey).toEqual({ paths: ["/source"], kind: "Hash", version: 2 });
        expect(events.resource.defaultTtl).toBe(2592000);
        expect(events.resource.indexingPolicy.excludedPaths).toEqual([{ path: "/payload/*" }, { path: '/"_etag"/?' }]);
        const manifests = get().get(TYPE.SqlResourceSqlContainer, "container-manifests").inputs;
        expect(manifests.resource.defaultTtl).toBeUndefined();
        expect(manifests.resource.indexingPolicy.excludedPaths).toEqual([{ path: '/"_etag"/?' }]);
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("LabMetadataDb (%s): logs, grants, protection, outputs", (env, get) => {
    const prodEnv = env === "prod";

    test(`account logs to Log Analytics ${prodEnv ? "(allLogs, resource-specific CDB* tables)" : "— none without a workspace"}`, () => {
        expect(get().of(TYPE.DiagnosticSetting)).toHaveLength(prodEnv ? 1 : 0);
        if (!prodEnv) return;
        const d = get().get(TYPE.DiagnosticSetting, "account-diag");
        expect(d.inputs).toMatchObject({
            workspaceId: WORKSPACE_ID,
            logAnalyticsDestinationType: "Dedicated",
            logs: [{ categoryGroup: "allLogs", enabled: true }],
            metrics: [],
        });
        expect(d.inputs.resourceUri).toMatch(/\/providers\/Microsoft\.DocumentDB\/databaseAccounts\/cosmos-pachlab-prod-[0-9a-f]+$/);
        expect(dependsOn(d, get().get(TYPE.DatabaseAccount, "account"))).toBe(true);
    });

    test("data-plane role: built-in Data Contributor for the principal, scoped to the database, stable GUID", async () => {
        const ra = get().get(TYPE.SqlResourceSqlRoleAssignment, "data-contributor");
        const accountId = await valueOf(get().comp.accountId);
        expect(ra.inputs.principalId).toBe(PRINCIPAL);
        expect(ra.inputs.roleDefinitionId).toBe(`${accountId}/sqlRoleDefinitions/${COSMOS_DATA_CONTRIBUTOR}`);
        expect(ra.inputs.scope).toBe(`${accountId}/dbs/ingest`);
        expect(ra.inputs.roleAssignmentId).toBe(
            deterministicGuid(ra.inputs.scope.toLowerCase(), ra.inputs.roleDefinitionId.toLowerCase(), PRINCIPAL),
        );
        expect(dependsOn(ra, get().get(TYPE.SqlResourceSqlDatabase, "db"))).toBe(true);
    });

    test(`rules 11/12: account, database, containers ${prodEnv ? "protected, retained and locked" : "unprotected, unlocked"}`, () => {
        const b = get();
        for (const r of [
            b.get(TYPE.DatabaseAccount, "account"),
            b.get(TYPE.SqlResourceSqlDatabase, "db"),
            ...b.of(TYPE.SqlResourceSqlContainer),
        ]) {
            expect({ n: r.name, protect: r.protect, retain: r.retainOnDelete }).toEqual({ n: r.name, protect: prodEnv, retain: prodEnv });
        }
        const locks = b.of(TYPE.ManagementLockByScope);
        expect(locks).toHaveLength(prodEnv ? 1 : 0);
        if (prodEnv) {
            expect(must(locks[0], "lock").inputs.level).toBe("CanNotDelete");
            expect(dependsOn(must(locks[0], "lock"), b.get(TYPE.DatabaseAccount, "account"))).toBe(true);
        }
        for (const r of captured.filter((c) => c.name.startsWith(`${env}-`))) {
            expect({ n: r.name, deletedWith: r.deletedWith, roc: r.replaceOnChanges, dbr: r.deleteBeforeReplace }).toEqual({
                n: r.name,
                deletedWith: "",
                roc: [],
                dbr: false,
            });
        }
    });

    test("outputs: endpoint, database and container names", async () => {
        const c = get().comp;
        expect(await valueOf(c.endpoint)).toMatch(new RegExp(`^https://cosmos-pachlab-${env}-[0-9a-f]{6}\\.documents\\.azure\\.com:443/$`));
        expect(await valueOf(c.databaseName)).toBe("ingest");
        expect(await valueOf(c.containerNames)).toEqual(["events", "manifests"]);
        expect(await valueOf(c.accountName)).toMatch(/^cosmos-pachlab-/);
    });
});
