import * as pulumi from "@pulumi/pulumi";
import { MOCK_SUBSCRIPTION_ID } from "../../planner/mocks";
import {
    Captured,
    evaluateComponent,
    captureResources,
    dependsOn,
    ofType,
    one,
    settle,
    valueOf,
    placement,
    protection,
    WORKSPACE_ID,
    TYPE,
} from "../helpers/mockHarness";
import { must } from "../helpers/must";

const captured = captureResources();

const { PostgresFlexibleServer } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/postgresFlexibleServer") as typeof import("../../components/postgresFlexibleServer");
type Args = import("../../components/postgresFlexibleServer").PostgresFlexibleServerArgs;

/** Types outside the registry (no Azure resource). */
const T = {
    password: "random:index/randomPassword:RandomPassword",
};
const VNET = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-pachlab`;
const SUBNET = `${VNET}/subnets/snet-psql`;

function args(env: "dev" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    return {
        ...placement(env),
        ...protection(env),
        version: "16",
        skuName: prod ? "Standard_D4ds_v5" : "Standard_B2s",
        skuTier: prod ? "GeneralPurpose" : "Burstable",
        storageSizeGb: 128,
        backupRetentionDays: prod ? 35 : 14,
        geoRedundantBackup: prod,
        highAvailability: prod,
        delegatedSubnetId: SUBNET,
        vnetId: VNET,
        ...(prod ? { diagnostics: { workspaceId: WORKSPACE_ID } } : {}),
        ...over,
    };
}

interface Built {
    comp: InstanceType<typeof PostgresFlexibleServer>;
    of: (type: string) => Captured[];
    get: (type: string, suffix: string) => Captured;
}

async function build(name: string, a: Args): Promise<Built> {
    const comp = new PostgresFlexibleServer(name, a);
    await settle(comp.host, comp.password, comp.serverName);
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
] as const)("PostgresFlexibleServer (%s)", (env, get) => {
    const prodEnv = env === "prod";

    test(`server logs to Log Analytics ${prodEnv ? "(allLogs: PostgreSQLLogs, sessions, query store…)" : "only when asked"}`, () => {
        expect(get().of(TYPE.DiagnosticSetting)).toHaveLength(prodEnv ? 1 : 0);
        if (!prodEnv) return;
        const d = get().get(TYPE.DiagnosticSetting, "server-diag");
        expect(d.inputs).toMatchObject({ workspaceId: WORKSPACE_ID, logs: [{ categoryGroup: "allLogs", enabled: true }], metrics: [] });
        expect(d.inputs.resourceUri).toMatch(/\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/psql-pachlab-prod-[0-9a-f]+$/);
        expect(dependsOn(d, get().get(TYPE.Server, "server"))).toBe(true);
    });

    test(`the policy pack passes it: rule 31 (private, TLS, backup${prodEnv ? ", geo-redundancy, HA" : ""})`, async () => {
        const verdict = await evaluateComponent(captured, env);
        expect(verdict.violations).toEqual([]);
        expect(verdict.passed).toEqual(expect.arrayContaining(["postgres-private-tls-backup-ha", "arm-resource-names"]));
    });

    test("its private DNS zone is named after the server and linked before the server exists", () => {
        const b = get();
        const s = b.get(TYPE.Server, "server");
        expect(s.inputs.serverName).toMatch(new RegExp(`^psql-pachlab-${env}-[0-9a-f]{6}$`));
        expect(b.get(TYPE.PrivateZone, "zone").inputs.privateZoneName).toBe(`${s.inputs.serverName}.private.postgres.database.azure.com`);
        expect(s.inputs.network.privateDnsZoneArmResourceId).toMatch(
            /\/privateDnsZones\/psql-pachlab-.*\.private\.postgres\.database\.azure\.com$/,
        );
        expect(dependsOn(s, b.get(TYPE.VirtualNetworkLink, "zone-link"))).toBe(true);
    });

    test(`zones: ${prodEnv ? "the server in zone 1, its standby in zone 2" : "no preference"}; a failover's swap is never undone`, () => {
        const s = get().get(TYPE.Server, "server");
        if (prodEnv) {
            expect(s.inputs.highAvailability).toEqual({ mode: "ZoneRedundant", standbyAvailabilityZone: "2" });
            expect(s.inputs.availabilityZone).toBe("1");
        } else {
            expect(s.inputs.availabilityZone || undefined).toBeUndefined(); // the SDK sends "" = no preference
        }
        expect(s.ignoreChanges).toEqual(expect.arrayContaining(["availabilityZone", "highAvailability.standbyAvailabilityZone"]));
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("PostgresFlexibleServer (%s): credentials, databases, protection", (env, get) => {
    const prodEnv = env === "prod";

    test("password authentication for Pachyderm; the generated password is URL-safe, 32 characters", () => {
        const b = get();
        const s = b.get(TYPE.Server, "server").inputs;
        expect(s.authConfig).toMatchObject({ passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" });
        expect(s.administratorLogin).toBe("pachyderm");
        const pw = b.get(T.password, "admin-password").inputs;
        expect(pw.length).toBe(32);
        expect(pw.special).toBe(false);
    });

    test("the password is a secret end to end: the server's input and the component's output", async () => {
        const s = get().get(TYPE.Server, "server");
        expect(s.secretPaths).toContain("administratorLoginPassword");
        expect(await pulumi.isSecret(get().comp.password)).toBe(true);
        expect(s.inputs.administratorLoginPassword).toBe(await valueOf(get().comp.password));
    });

    test("databases pachyderm and dex (UTF8), created one after the other", () => {
        const b = get();
        const dbs = b.of(TYPE.Database);
        expect(dbs.map((d) => d.inputs.databaseName)).toEqual(["pachyderm", "dex"]);
        for (const d of dbs) expect(d.inputs.charset).toBe("UTF8");
        expect(dependsOn(must(dbs[1], "dex database"), must(dbs[0], "pachyderm database"))).toBe(true);
        expect(dependsOn(b.get(TYPE.Configuration, "require-tls"), must(dbs[1], "dex database"))).toBe(true);
    });

    test(`rules 11/12: server and databases ${prodEnv ? "protected, retained and locked" : "unprotected, unlocked"}`, () => {
        const b = get();
        for (const r of [b.get(TYPE.Server, "server"), ...b.of(TYPE.Database)]) {
            expect({ n: r.name, protect: r.protect, retain: r.retainOnDelete }).toEqual({ n: r.name, protect: prodEnv, retain: prodEnv });
        }
        const locks = b.of(TYPE.ManagementLockByScope);
        expect(locks).toHaveLength(prodEnv ? 1 : 0);
        if (prodEnv) {
            expect(must(locks[0], "lock").inputs.level).toBe("CanNotDelete");
            expect(must(locks[0], "lock").inputs.scope).toMatch(/\/flexibleServers\/psql-pachlab-prod-/);
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

    test("outputs: host is the server FQDN, user pachyderm", async () => {
        const c = get().comp;
        expect(await valueOf(c.host)).toMatch(new RegExp(`^psql-pachlab-${env}-[0-9a-f]{6}\\.postgres\\.database\\.azure\\.com$`));
        expect(await valueOf(c.user)).toBe("pachyderm");
        expect(await valueOf(c.serverName)).toMatch(/^psql-pachlab-/);
    });
});
