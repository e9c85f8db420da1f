import * as pulumi from "@pulumi/pulumi";
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
import type { JsonValue } from "../../lib/json";
import { must } from "../helpers/must";

const captured = captureResources();

const { Storage, STORAGE_BLOB_DATA_CONTRIBUTOR } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/storage") as typeof import("../../components/storage");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deterministicGuid } = require("../../components/azure/roles") as typeof import("../../components/azure/roles");
type Args = import("../../components/storage").StorageArgs;

const TAGGABLE = [TYPE.StorageAccount, TYPE.UserAssignedIdentity, TYPE.PrivateEndpoint, TYPE.PrivateZone, TYPE.VirtualNetworkLink];
const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/";
const VNET = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-pachlab`;

function args(env: "dev" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    return {
        ...placement(env),
        ...protection(env),
        sku: prod ? "Standard_GZRS" : "Standard_LRS",
        authMode: "workloadIdentity",
        containerName: "pachyderm",
        blobSoftDeleteDays: prod ? 30 : 7,
        containerSoftDeleteDays: prod ? 30 : 7,
        pointInTimeRestoreDays: prod ? 29 : 0,
        lifecycle: { coolAfterDays: 30, coldAfterDays: 180, versionsCoolAfterDays: 7, versionsDeleteAfterDays: prod ? 365 : 30 },
        vnetId: VNET,
        privateEndpointSubnetId: `${VNET}/subnets/snet-pep`,
        namespace: "pachyderm",
        oidcIssuerUrl: ISSUER,
        ...(prod ? { diagnostics: { workspaceId: WORKSPACE_ID } } : {}),
        ...over,
    };
}

interface Built {
    comp: InstanceType<typeof Storage>;
    of: (type: string) => Captured[];
    get: (type: string, suffix: string) => Captured;
}

async function build(name: string, a: Args): Promise<Built> {
    const comp = new Storage(name, a);
    // As index.ts does: the workload identity gets the data-plane role.
    if (comp.identityPrincipalId) comp.grantBlobDataContributor({ principalId: comp.identityPrincipalId, description: "pachd" });
    await settle(comp.accountName, comp.blobEndpoint, comp.storageUrl, comp.identityClientId, comp.accountKey);
    return { comp, of: (type) => ofType(captured, type, name), get: (type, suffix) => one(captured, type, `${name}-${suffix}`) };
}

let dev: Built;
let prod: Built;
let shared: Built;

beforeAll(async () => {
    dev = await build("dev", args("dev"));
    prod = await build("prod", args("prod"));
    shared = await build("key", args("dev", { names: { prefix: "pachlab", stack: "key", location: "westeurope" }, authMode: "sharedKey" }));
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("Storage (%s)", (env, get) => {
    const prodEnv = env === "prod";

    test(`the policy pack passes it: rules 1-10${prodEnv ? ", GZRS and point-in-time restore in production" : ""}`, async () => {
        const verdict = await evaluateComponent(captured, env);
        expect(verdict.violations).toEqual([]);
        expect(verdict.passed).toEqual(
            expect.arrayContaining([
                "storage-https-tls12",
                "storage-no-public-blob-access",
                "storage-private-network",
                "storage-keyless-auth",
                "storage-infrastructure-encryption",
                "storage-blob-soft-delete",
                "storage-container-soft-delete",
                "storage-versioning-change-feed",
                ...(prodEnv ? ["storage-redundancy-gzrs", "storage-point-in-time-restore"] : []),
            ]),
        );
        expect(get().comp.accountKey).toBeUndefined();
    });

    test("the blob private endpoint: in the endpoint subnet, after the account, its DNS zone group after it", () => {
        const b = get();
        const a = b.get(TYPE.StorageAccount, "account");
        const pep = b.get(TYPE.PrivateEndpoint, "blob-pep");
        expect(pep.inputs.privateLinkServiceConnections[0].groupIds).toEqual(["blob"]);
        expect(dependsOn(pep, a)).toBe(true);
        expect(pep.inputs.subnet.id).toBe(`${VNET}/subnets/snet-pep`);
        expect(pep.inputs.privateEndpointName).toBe(`pep-pachlab-${env}-blob`);
        const group = b.get(TYPE.PrivateDnsZoneGroup, "blob-pep-dns");
        expect(group.inputs.privateDnsZoneConfigs[0].privateDnsZoneId).toContain("/privateDnsZones/privatelink.blob.core.windows.net");
        expect(dependsOn(group, pep)).toBe(true);
    });

    test(`soft delete ${prodEnv ? "30" : "7"} days; point-in-time restore ${prodEnv ? "one day shorter, inside the change feed" : "off"}`, () => {
        const bs = get().get(TYPE.BlobServiceProperties, "blob-service").inputs;
        expect(bs.deleteRetentionPolicy.days).toBe(prodEnv ? 30 : 7);
        if (prodEnv) {
            expect(bs.restorePolicy).toEqual({ enabled: true, days: 29 });
            expect(bs.changeFeed.retentionInDays).toBeGreaterThan(bs.restorePolicy.days);
        } else {
            expect(bs.restorePolicy).toEqual({ enabled: false });
        }
    });

    test("the container waits for the blob service properties (soft delete on before any data)", () => {
        const b = get();
        const c = b.get(TYPE.BlobContainer, "container");
        expect(c.inputs.containerName).toBe("pachyderm");
        expect(dependsOn(c, b.get(TYPE.BlobServiceProperties, "blob-service"))).toBe(true);
    });

    test("lifecycle: Cool then Cold for current blobs, never Archive; previous versions cooled then deleted", () => {
        const rules: JsonValue[] = get().get(TYPE.ManagementPolicy, "lifecycle").inputs.policy.rules;
        expect(JSON.stringify(rules)).not.toMatch(/tierToArchive/);
        const current = rules.find((r) => r.name === "tier-current-blobs").definition;
        expect(current.actions.baseBlob).toEqual({
            tierToCool: { daysAfterModificationGreaterThan: 30 },
            tierToCold: { daysAfterModificationGreaterThan: 180 },
        });
        expect(current.actions.baseBlob.delete).toBeUndefined();
        expect(current.filters).toEqual({ blobTypes: ["blockBlob"], prefixMatch: ["pachyderm/"] });
        const versions = rules.find((r) => r.name === "previous-versions").definition;
        expect(versions.actions.version).toEqual({
            tierToCool: { daysAfterCreationGreaterThan: 7 },
            delete: { daysAfterCreationGreaterThan: prodEnv ? 365 : 30 },
        });
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("Storage (%s): protection", (env, get) => {
    const prodEnv = env === "prod";

    test(`rule 11: CanNotDelete lock on the account ${prodEnv ? "present" : "absent"}`, () => {
        const locks = get().of(TYPE.ManagementLockByScope);
        if (!prodEnv) {
            expect(locks).toHaveLength(0);
            return;
        }
        expect(locks).toHaveLength(1);
        expect(must(locks[0], "lock").inputs.level).toBe("CanNotDelete");
        const account = get().get(TYPE.StorageAccount, "account");
        expect(must(locks[0], "lock").inputs.scope).toMatch(/\/providers\/Microsoft\.Storage\/storageAccounts\/st/);
        expect(dependsOn(must(locks[0], "lock"), account)).toBe(true);
        expect(must(locks[0], "lock").protect).toBe(true);
    });

    test(`rule 12: protect/retainOnDelete ${prodEnv ? "on" : "off"}; never deletedWith, replaceOnChanges, deleteBeforeReplace`, () => {
        const b = get();
        for (const suffix of ["account", "container"]) {
            const r = b.get(suffix === "account" ? TYPE.StorageAccount : TYPE.BlobContainer, suffix);
            expect({ suffix, protect: r.protect, retainOnDelete: r.retainOnDelete }).toEqual({
                suffix,
                protect: prodEnv,
                retainOnDelete: prodEnv,
            });
        }
        expect(b.get(TYPE.BlobServiceProperties, "blob-service").protect).toBe(prodEnv);
        for (const r of captured.filter((c) => c.name.startsWith(`${env}-`))) {
            expect({
                name: r.name,
                deletedWith: r.deletedWith,
                replaceOnChanges: r.replaceOnChanges,
                deleteBeforeReplace: r.deleteBeforeReplace,
            }).toEqual({ name: r.name, deletedWith: "", replaceOnChanges: [], deleteBeforeReplace: false });
        }
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("Storage (%s): identity, grants, logs, outputs", (env, get) => {
    const prodEnv = env === "prod";

    test("workload identity: one federated credential per ServiceAccount, created one after the other", () => {
        const b = get();
        const identity = b.get(TYPE.UserAssignedIdentity, "identity");
        expect(identity.inputs.resourceName).toBe(`id-pachlab-${env}-pachyderm`);
        const fics = b.of(TYPE.FederatedIdentityCredential);
        expect(fics.map((f) => f.inputs.subject)).toEqual([
            "system:serviceaccount:pachyderm:pachyderm",
            "system:serviceaccount:pachyderm:pachyderm-worker",
            "system:serviceaccount:pachyderm:etcd-backup",
        ]);
        for (const f of fics) {
            expect(f.inputs.issuer).toBe(ISSUER);
            expect(f.inputs.audiences).toEqual(["api://AzureADTokenExchange"]);
            expect(dependsOn(f, identity)).toBe(true);
        }
        expect(dependsOn(must(fics[1], "credential 2"), must(fics[0], "credential 1"))).toBe(true);
        expect(dependsOn(must(fics[2], "credential 3"), must(fics[1], "credential 2"))).toBe(true);
    });

    test("Storage Blob Data Contributor for the identity, on the data container, with a stable GUID name", async () => {
        const b = get();
        const ra = must(b.of(TYPE.RoleAssignment)[0], "role assignment");
        expect(b.of(TYPE.RoleAssignment)).toHaveLength(1);
        expect(ra.inputs.roleDefinitionId).toBe(
            `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
        );
        expect(ra.inputs.principalType).toBe("ServicePrincipal");
        expect(ra.inputs.principalId).toBe(await valueOf(b.comp.identityPrincipalId));
        expect(ra.inputs.scope).toBe(`${await valueOf(b.comp.accountId)}/blobServices/default/containers/pachyderm`);
        expect(ra.inputs.roleAssignmentName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(ra.inputs.roleAssignmentName).toBe(
            deterministicGuid(ra.inputs.scope.toLowerCase(), ra.inputs.roleDefinitionId.toLowerCase(), ra.inputs.principalId),
        );
    });

    test(`blob service logs to Log Analytics ${prodEnv ? "(allLogs: StorageRead/Write/Delete)" : "— none without a workspace"}`, () => {
        const settings = get().of(TYPE.DiagnosticSetting);
        expect(settings).toHaveLength(prodEnv ? 1 : 0);
        if (!prodEnv) return;
        const d = get().get(TYPE.DiagnosticSetting, "blob-service-diag");
        expect(d.inputs).toMatchObject({
            workspaceId: WORKSPACE_ID,
            name: "to-log-analytics",
            logs: [{ categoryGroup: "allLogs", enabled: true }],
            metrics: [],
        });
        expect(d.inputs.resourceUri).toMatch(/\/providers\/Microsoft\.Storage\/storageAccounts\/st[a-z0-9]+\/blobServices\/default$/);
        expect(dependsOn(d, get().get(TYPE.BlobServiceProperties, "blob-service"))).toBe(true);
    });

    test("every taggable Azure resource carries the standard tags", () => {
        for (const type of TAGGABLE) {
            for (const r of get().of(type)) expect({ name: r.name, tags: r.inputs.tags }).toEqual({ name: r.name, tags: args(env).tags });
        }
    });

    test("outputs: azblob:// URL, blob endpoint, identity client id", async () => {
        const c = get().comp;
        expect(await valueOf(c.storageUrl)).toBe("azblob://pachyderm");
        expect(await valueOf(c.blobEndpoint)).toMatch(/^https:\/\/st[a-z0-9]+\.blob\.core\.windows\.net\/$/);
        expect(await valueOf(c.identityClientId)).toMatch(/^[0-9a-f-]{36}$/);
        expect(get().comp.container).toBeDefined();
    });
});

describe("Storage (sharedKey mode)", () => {
    test("a second grantee needs its own key; each grant is scoped to the data container", async () => {
        const other = "11111111-2222-4333-8444-555555555555";
        shared.comp.grantBlobDataContributor({ principalId: other }, "reader");
        await settle(shared.comp.accountName);
        const ra = shared.get(TYPE.RoleAssignment, "blob-data-contributor-reader");
        expect(ra.inputs.scope).toBe(`${await valueOf(shared.comp.accountId)}/blobServices/default/containers/pachyderm`);
        expect(ra.inputs.principalId).toBe(other);
    });

    test("shared key access on, no identity, no federated credential, no role assignment of its own", () => {
        expect(shared.get(TYPE.StorageAccount, "account").inputs.allowSharedKeyAccess).toBe(true);
        expect(shared.get(TYPE.StorageAccount, "account").inputs.defaultToOAuthAuthentication).toBe(true);
        expect(shared.of(TYPE.UserAssignedIdentity)).toHaveLength(0);
        expect(shared.of(TYPE.FederatedIdentityCredential)).toHaveLength(0);
        expect(shared.of(TYPE.RoleAssignment).filter((r) => r.name !== "key-blob-data-contributor-reader")).toHaveLength(0);
        expect(shared.comp.identityClientId).toBeUndefined();
    });

    test("the account key is a secret Output", async () => {
        const key = shared.comp.accountKey!;
        expect(key).toBeDefined();
        expect(await pulumi.isSecret(key)).toBe(true);
        expect(Buffer.from(await valueOf(key), "base64").toString()).toMatch(/^mock-key-st/);
    });
});
