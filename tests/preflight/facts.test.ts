import { NODE_POOL_MAX_SURGE } from "../../lib/nodePools";
import { deploymentFacts } from "../../preflight/facts";
import { must } from "../helpers/must";
import { loadPlan, ofType, one, STACKS } from "../helpers/plans";
import { stackConfig } from "./helpers";

/**
 * Preflight derives what the program would create from the config alone (fast, no Pulumi run). These
 * tests hold every derived fact to the offline plan of every stack, so the two cannot drift apart.
 */

/** Resource provider namespace of each azure-native module the program uses (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-services-resource-providers). */
const NAMESPACE: Record<string, string> = {
    authorization: "Microsoft.Authorization",
    compute: "Microsoft.Compute",
    containerservice: "Microsoft.ContainerService",
    cosmosdb: "Microsoft.DocumentDB",
    devtestlab: "Microsoft.DevTestLab",
    dbforpostgresql: "Microsoft.DBforPostgreSQL",
    managedidentity: "Microsoft.ManagedIdentity",
    monitor: "Microsoft.Insights",
    network: "Microsoft.Network",
    operationalinsights: "Microsoft.OperationalInsights",
    privatedns: "Microsoft.Network",
    resources: "Microsoft.Resources",
    storage: "Microsoft.Storage",
};

/** A stack's offline plan and the facts preflight derives from its config. */
function planAndFacts(stack: string) {
    const plan = loadPlan(stack);
    return { plan, facts: deploymentFacts(stackConfig(stack)), input: (type: string, key: string) => one(plan, type).inputs[key] };
}

describe.each(STACKS)("stack %s: names, providers and Cosmos DB", (stack) => {
    const { plan, facts, input } = planAndFacts(stack);

    test("names of the resource group and the globally unique resources", () => {
        expect(facts.resourceGroup).toBe(input("azure-native:resources:ResourceGroup", "resourceGroupName"));
        expect(facts.storageAccountName).toBe(input("azure-native:storage:StorageAccount", "accountName"));
        expect(facts.cosmosAccountName).toBe(input("azure-native:cosmosdb:DatabaseAccount", "accountName"));
        const ip = one(plan, "azure-native:network:PublicIPAddress").inputs;
        expect({ name: facts.publicIpName, label: facts.dnsLabel }).toEqual({
            name: ip.publicIpAddressName,
            label: (ip.dnsSettings as { domainNameLabel: string }).domainNameLabel,
        });
        const servers = ofType(plan, "azure-native:dbforpostgresql:Server").map((r) => r.inputs.serverName);
        expect(facts.postgresServerName ? [facts.postgresServerName] : []).toEqual(servers);
    });

    test("private DNS zones and management locks", () => {
        expect([...facts.privateDnsZones].sort()).toEqual(
            ofType(plan, "azure-native:privatedns:PrivateZone")
                .map((r) => r.inputs.privateZoneName)
                .sort(),
        );
        for (const lock of ofType(plan, "azure-native:authorization:ManagementLockByScope")) {
            expect(String(lock.inputs.lockName).startsWith(facts.lockPrefix)).toBe(true);
        }
    });

    test("resource providers: every namespace of the plan's Azure resources", () => {
        const used = new Set(
            plan.resources
                .filter((r) => r.type.startsWith("azure-native:"))
                .map((r) => NAMESPACE[r.type.split(":")[1] ?? ""] ?? `unmapped ${r.type}`),
        );
        expect(facts.providers).toEqual([...used].sort());
    });

    test("Cosmos DB locations and zone redundancy", () => {
        const locations = input("azure-native:cosmosdb:DatabaseAccount", "locations") as {
            locationName: string;
            isZoneRedundant: boolean;
        }[];
        expect(facts.cosmosLocations).toEqual(locations.map((l) => l.locationName));
        expect(locations.every((l) => l.isZoneRedundant === facts.cosmosZoneRedundant)).toBe(true);
    });
});

describe.each(STACKS)("stack %s: VMs", (stack) => {
    const { plan, facts } = planAndFacts(stack);

    test("VM sizes, counts, zones, host encryption and surge as the program declares them", () => {
        const cluster = one(plan, "azure-native:containerservice:ManagedCluster").inputs;
        const system = must((cluster.agentPoolProfiles as Record<string, unknown>[])[0], "the system pool");
        const user = one(plan, "azure-native:containerservice:AgentPool").inputs;
        const [sys, usr, ingress, ...gluster] = facts.vms;
        if (!sys || !usr || !ingress)
            throw new Error(`facts.vms lacks the system pool, the user pool or the ingress VM: ${JSON.stringify(facts.vms)}`);
        for (const [pool, fact, max] of [
            [system, sys, system.count],
            [user, usr, user.maxCount],
        ] as const) {
            expect(fact).toMatchObject({
                vmSize: pool.vmSize,
                zones: pool.availabilityZones ?? [],
                encryptionAtHost: pool.enableEncryptionAtHost,
                ephemeralOsDisk: pool.osDiskType === "Ephemeral",
            });
            expect((pool.upgradeSettings as { maxSurge: string }).maxSurge).toBe(NODE_POOL_MAX_SURGE);
            expect(fact.peakWhy.startsWith(`${max} `)).toBe(true);
        }
        expect(usr.initialCount).toBe(user.minCount);
        const vms = ofType(plan, "azure-native:compute:VirtualMachine");
        const vm = (r: (typeof vms)[number]) => ({
            vmSize: (r.inputs.hardwareProfile as { vmSize: string }).vmSize,
            zones: (r.inputs.zones as string[] | undefined) ?? [],
            encryptionAtHost: (r.inputs.securityProfile as { encryptionAtHost?: boolean } | undefined)?.encryptionAtHost ?? false,
        });
        const ingressVm = must(
            vms.find((r) => String(r.inputs.vmName).endsWith("-ingress")),
            "the ingress VM",
        );
        expect({ vmSize: ingress.vmSize, zones: ingress.zones, encryptionAtHost: ingress.encryptionAtHost }).toEqual(vm(ingressVm));
        const glusterVms = vms.filter((r) => r !== ingressVm).map(vm);
        expect(gluster.reduce((n, g) => n + g.peakCount, 0)).toBe(glusterVms.length);
        for (const g of gluster) {
            expect(new Set(glusterVms.map((v) => v.vmSize))).toEqual(new Set([g.vmSize]));
            expect(
                glusterVms
                    .map((v) => v.zones)
                    .flat()
                    .sort(),
            ).toEqual([...g.zones].sort());
            expect(glusterVms.every((v) => v.encryptionAtHost === g.encryptionAtHost)).toBe(true);
        }
    });
});
