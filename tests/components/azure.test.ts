import * as pulumi from "@pulumi/pulumi";
import { MOCK_SUBSCRIPTION_ID } from "../../planner/mocks";
import { Captured, captureResources, dependsOn, ofType, one, settle, WORKSPACE_ID, TYPE } from "../helpers/mockHarness";

const captured = captureResources();

/* eslint-disable @typescript-eslint/no-require-imports */
const storage = require("@pulumi/azure-native/storage") as typeof import("@pulumi/azure-native/storage");
const { StatefulGuard } = require("../../components/azure/guard") as typeof import("../../components/azure/guard");
const { privateLink } = require("../../components/azure/privateLink") as typeof import("../../components/azure/privateLink");
const { assignRoles, deterministicGuid } = require("../../components/azure/roles") as typeof import("../../components/azure/roles");
const { diagnosticSetting, DIAGNOSTIC_PROFILES } =
    require("../../components/azure/diagnostics") as typeof import("../../components/azure/diagnostics");
/* eslint-enable @typescript-eslint/no-require-imports */
type ProtectionArgs = import("../../components/azure/guard").ProtectionArgs;
type DiagnosedType = import("../../components/azure/diagnostics").DiagnosedType;

const RG = "rg-pachlab-test";
const VNET = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-test`;
const names = { prefix: "pachlab", stack: "test", location: "westeurope" };
const tags = { environment: "test" };

class Host extends pulumi.ComponentResource {
    constructor(name: string) {
        super("pachyderm-azure:test:Host", name, {}, {});
    }
}

/** A data-holding resource and its lock, guarded by `policy`. */
async function guarded(name: string, policy: ProtectionArgs): Promise<{ data: Captured; locks: Captured[] }> {
    const host = new Host(name);
    const guard = new StatefulGuard(host, policy);
    const account = new storage.StorageAccount(
        `${name}-account`,
        {
            resourceGroupName: RG,
            accountName: `st${name}`,
            kind: "StorageV2",
            sku: { name: "Standard_LRS" },
        },
        guard.options({ ignoreChanges: ["tags"] }),
    );
    guard.lock(`${name}-lock`, account.id, { lockName: `lock-${name}`, notes: "data" });
    await settle(account.id);
    return { data: one(captured, TYPE.StorageAccount, `${name}-account`), locks: ofType(captured, TYPE.ManagementLockByScope, name) };
}

describe("StatefulGuard: protect, retainOnDelete and a CanNotDelete lock from one policy", () => {
    test.each([
        ["dev", { protect: false }, false, 0],
        ["protected, no locks", { protect: true, lock: false }, true, 0],
        ["production", { protect: true, lock: true }, true, 1],
        ["locks without protect", { protect: false, lock: true }, false, 1],
    ] as const)("%s", async (label, policy, protect, lockCount) => {
        const { data, locks } = await guarded(label.replace(/\W+/g, "-"), policy);
        expect({ protect: data.protect, retainOnDelete: data.retainOnDelete }).toEqual({ protect, retainOnDelete: protect });
        // The resource's own options survive the guard's.
        expect(data.ignoreChanges).toEqual(["tags"]);
        expect(data.parent).toMatch(/pachyderm-azure:test:Host::/);
        expect(locks).toHaveLength(lockCount);
        for (const l of locks) {
            expect(l.inputs).toMatchObject({ level: "CanNotDelete", notes: "data" });
            expect(dependsOn(l, data)).toBe(true);
            // A protected resource's lock is protected too: a destroy cannot remove the lock first.
            expect(l.protect).toBe(protect);
        }
    });
});

describe("privateLink: endpoint, zone, VNet link and zone group wired together", () => {
    const target = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/stx`;
    const base = {
        names,
        resourceGroupName: RG,
        location: "westeurope",
        tags,
        suffix: "blob",
        targetId: target,
        groupId: "blob",
        zoneName: "privatelink.blob.core.windows.net",
        vnetId: VNET,
        subnetId: `${VNET}/subnets/snet-pep`,
    };

    test("its own zone: linked to the VNet without auto-registration; the zone group waits for the link", async () => {
        const host = new Host("pl-own");
        const link = privateLink("pl-own-blob", host, base);
        await settle(link.ip, link.zoneGroup.id);
        const zone = one(captured, TYPE.PrivateZone, "pl-own-blob-zone");
        const vnetLink = one(captured, TYPE.VirtualNetworkLink, "pl-own-blob-zone-link");
        const pep = one(captured, TYPE.PrivateEndpoint, "pl-own-blob-pep");
        const group = one(captured, TYPE.PrivateDnsZoneGroup, "pl-own-blob-pep-dns");
        expect(zone.inputs).toMatchObject({ privateZoneName: "privatelink.blob.core.windows.net", location: "global", tags });
        expect(vnetLink.inputs).toMatchObject({
            virtualNetwork: { id: VNET },
            registrationEnabled: false,
            virtualNetworkLinkName: "vnet-pachlab-test-link",
        });
        expect(dependsOn(vnetLink, zone)).toBe(true);
        expect(pep.inputs).toMatchObject({
            privateEndpointName: "pep-pachlab-test-blob",
            customNetworkInterfaceName: "nic-pachlab-test-pep-blob",
            subnet: { id: `${VNET}/subnets/snet-pep` },
            privateLinkServiceConnections: [{ name: "pep-pachlab-test-blob", privateLinkServiceId: target, groupIds: ["blob"] }],
        });
        expect(group.inputs.privateEndpointName).toBe("pep-pachlab-test-blob");
        expect(group.inputs.privateDnsZoneConfigs).toEqual([
            {
                name: "privatelink-blob-core-windows-net",
                privateDnsZoneId: expect.stringMatching(/\/privateDnsZones\/privatelink\.blob\.core\.windows\.net$/),
            },
        ]);
        expect(dependsOn(group, zone)).toBe(true);
        expect(dependsOn(group, vnetLink)).toBe(true);
        expect(dependsOn(group, pep)).toBe(true);
    });

    test("a zone passed in (e.g. a hub's): no zone or link of its own, the zone group uses the given zone", async () => {
        const hubZone = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-hub/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net`;
        const host = new Host("pl-hub");
        const link = privateLink("pl-hub-blob", host, { ...base, existingZoneId: hubZone });
        await settle(link.ip, link.zoneGroup.id);
        expect(ofType(captured, TYPE.PrivateZone, "pl-hub")).toHaveLength(0);
        expect(ofType(captured, TYPE.VirtualNetworkLink, "pl-hub")).toHaveLength(0);
        expect(link.dns).toBeUndefined();
        expect(one(captured, TYPE.PrivateDnsZoneGroup, "pl-hub-blob-pep-dns").inputs.privateDnsZoneConfigs[0].privateDnsZoneId).toBe(
            hubZone,
        );
    });
});

describe("roles: stable assignment names, scoped to the resource they name", () => {
    test("deterministicGuid: a version-5-layout GUID, stable, different for any other input", () => {
        const g = deterministicGuid("scope", "role", "principal");
        expect(g).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(deterministicGuid("scope", "role", "principal")).toBe(g);
        expect(deterministicGuid("scope", "role", "other")).not.toBe(g);
        expect(deterministicGuid("scope|role", "principal")).toBe(g); // parts are joined with "|": callers pass ARM ids, which never contain it
    });

    test("roleAssignments: a built-in GUID or a full role id, each on the component's scope, named by key", async () => {
        const host = new Host("roles");
        const scope = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-x`;
        const custom = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/11111111-1111-4111-8111-111111111111`;
        const made = assignRoles("roles", host, scope, [
            {
                key: "ops",
                role: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
                principalId: "p-ops",
                principalType: "Group",
                description: "operators read",
            },
            { key: "custom", role: custom, principalId: "p-app" },
        ]);
        await settle(...made.map((r) => r.id));
        const ops = one(captured, TYPE.RoleAssignment, "roles-role-ops");
        const app = one(captured, TYPE.RoleAssignment, "roles-role-custom");
        expect(ops.inputs).toMatchObject({
            scope,
            principalId: "p-ops",
            principalType: "Group",
            description: "operators read",
            roleDefinitionId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
        });
        expect(app.inputs).toMatchObject({ scope, roleDefinitionId: custom, principalType: "ServicePrincipal" });
        for (const r of [ops, app]) {
            expect(r.inputs.roleAssignmentName).toBe(
                deterministicGuid(scope.toLowerCase(), r.inputs.roleDefinitionId.toLowerCase(), r.inputs.principalId),
            );
        }
    });

    test("roleAssignments: a key used twice is refused (two resources would share a name)", () => {
        const host = new Host("roles-dup");
        expect(() =>
            assignRoles("roles-dup", host, "/s", [
                { key: "a", role: "r1", principalId: "p1" },
                { key: "a", role: "r2", principalId: "p2" },
            ]),
        ).toThrow(/key "a" is used twice/);
    });
});

describe("diagnostics: every diagnosed resource type sends its logs to the workspace", () => {
    const expected: Record<DiagnosedType, { metrics: string[]; destination?: string }> = {
        "Microsoft.Storage/storageAccounts/blobServices": { metrics: [] },
        "Microsoft.DocumentDB/databaseAccounts": { metrics: [], destination: "Dedicated" },
        "Microsoft.DBforPostgreSQL/flexibleServers": { metrics: [] },
        // Load balancers: one log category (LoadBalancerHealthEvent); their health is in metrics.
        "Microsoft.Network/loadBalancers": { metrics: ["AllMetrics"] },
        // NSGs have no metrics.
        "Microsoft.Network/networkSecurityGroups": { metrics: [] },
    };

    test("the profiles cover exactly the types the platform diagnoses", () => {
        expect(Object.keys(DIAGNOSTIC_PROFILES).sort()).toEqual(Object.keys(expected).sort());
    });

    test.each(Object.keys(expected) as DiagnosedType[])("%s: allLogs category group, metrics per type", async (type) => {
        const key = `diag-${type.replace(/\W+/g, "-").toLowerCase()}`;
        const host = new Host(key);
        const uri = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/${type}/x`;
        const name = `${key}-setting`;
        const setting = diagnosticSetting(name, host, type, uri, { workspaceId: WORKSPACE_ID });
        await settle(setting.id);
        const d = one(captured, TYPE.DiagnosticSetting, name);
        expect(d.inputs).toMatchObject({ resourceUri: uri, workspaceId: WORKSPACE_ID, name: "to-log-analytics" });
        expect(d.inputs.logs).toEqual([{ categoryGroup: "allLogs", enabled: true }]);
        expect(d.inputs.metrics).toEqual(expected[type].metrics.map((category) => ({ category, enabled: true })));
        expect(d.inputs.logAnalyticsDestinationType).toBe(expected[type].destination);
    });
});
