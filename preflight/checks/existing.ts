import { azJson } from "../az";
import { DeploymentFacts } from "../facts";
import { ARM, Check, combine, showOrNull, Verdict } from "./verdict";

/** What already exists in Azure: globally unique names, management locks and private DNS zones of a deployed stack. */

// ---------------------------------------------------------------------------------------------
// Globally unique names

type NameState = { name: string; what: string; key: string } & ({ free: true } | { free: false; ours: boolean });

/** Free names pass; names held by this stack's resource group pass; names held elsewhere fail. */
function evaluateNames(states: NameState[], deployed: boolean, resourceGroup: string): Verdict {
    const verdicts = states.map((s): Verdict => {
        if (s.free && deployed)
            return {
                status: "warn",
                message: `${s.what} ${s.name} is free although ${resourceGroup} exists: deleted outside Pulumi, or an earlier deployment stopped before creating it`,
                fix: "pulumi refresh, then pulumi up",
            };
        if (s.free) return { status: "pass", message: `${s.name} free`, fix: s.key };
        if (s.ours) return { status: "pass", message: `${s.name} is this stack's`, fix: s.key };
        return {
            status: "fail",
            message: `${s.what} ${s.name} is taken by someone else`,
            fix: `${s.key} (the names derive from namePrefix, the stack and the region)`,
        };
    });
    return combine(verdicts, verdicts.map((v) => v.message).join(", "), "namePrefix");
}

// ---------------------------------------------------------------------------------------------
// Drift that blocks an update

/** `az lock list --resource-group RG`: ManagementLockObject[] (Microsoft.Authorization locks: name, level CanNotDelete | ReadOnly). */
interface Lock {
    name: string;
    level: string;
    id?: string;
    notes?: string | null;
}

function evaluateLocks(locks: Lock[], facts: DeploymentFacts, deployed: boolean): Verdict {
    const fix = "remove or change the lock (az lock delete --ids <id>) with its owner's agreement";
    if (!deployed) return { status: "pass", message: `${facts.resourceGroup} does not exist yet: no locks`, fix: "none" };
    const ours = locks.filter((l) => l.name.startsWith(facts.lockPrefix));
    const foreign = locks.filter((l) => !l.name.startsWith(facts.lockPrefix));
    const readOnly = locks.filter((l) => l.level === "ReadOnly");
    // A ReadOnly lock refuses every write, even tag updates; a CanNotDelete lock refuses deletes and replacements
    // (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources).
    if (readOnly.length > 0)
        return { status: "fail", message: `ReadOnly lock(s) ${readOnly.map((l) => l.name).join(", ")} block every update`, fix };
    if (foreign.length > 0)
        return {
            status: "warn",
            message: `CanNotDelete lock(s) not made by this program: ${foreign.map((l) => l.name).join(", ")} (a replacement or removal would fail)`,
            fix,
        };
    return {
        status: "pass",
        message: ours.length > 0 ? `${ours.length} CanNotDelete lock(s), all this program's` : "no locks",
        fix: "none",
    };
}

/** `az network private-dns zone show`: PrivateZone, properties flattened by az (numberOfVirtualNetworkLinks, provisioningState). */
interface PrivateZone {
    name: string;
    numberOfVirtualNetworkLinks?: number;
    provisioningState?: string;
}

function evaluatePrivateDns(zones: { name: string; zone: PrivateZone | null }[], deployed: boolean, resourceGroup: string): Verdict {
    if (!deployed) return { status: "pass", message: `${resourceGroup} does not exist yet: nothing to drift`, fix: "none" };
    const verdicts = zones.map(({ name, zone }): Verdict => {
        if (!zone)
            return {
                status: "fail",
                message: `private DNS zone ${name} was deleted: private endpoints no longer resolve and updates of its records fail`,
                fix: "pulumi refresh, then pulumi up (recreates it)",
            };
        if (!zone.numberOfVirtualNetworkLinks)
            return {
                status: "warn",
                message: `private DNS zone ${name} has no virtual network link: the VNet resolves public addresses`,
                fix: "pulumi refresh, then pulumi up (recreates the link)",
            };
        return { status: "pass", message: name, fix: "none" };
    });
    return combine(verdicts, `${zones.length} private DNS zone(s) present and linked`, "none");
}

export const EXISTING_CHECKS: Check[] = [
    {
        id: "global-names",
        title: "Globally unique names free or this stack's",
        run: async (ctx) => {
            const f = ctx.facts;
            const rg = f.resourceGroup;
            const deployed = await ctx.resourceGroupExists();
            const held = async (args: string[]) => (await showOrNull(ctx.az, args)) !== null;
            const [storage, cosmos, dns] = await Promise.all([
                (async (): Promise<NameState> => {
                    const r = await azJson<{ nameAvailable: boolean }>(ctx.az, [
                        "storage",
                        "account",
                        "check-name",
                        "--name",
                        f.storageAccountName,
                    ]);
                    const base = { name: f.storageAccountName, what: "storage account", key: "namePrefix" };
                    return r.nameAvailable
                        ? { ...base, free: true }
                        : {
                              ...base,
                              free: false,
                              ours: await held(["storage", "account", "show", "--name", f.storageAccountName, "--resource-group", rg]),
                          };
                })(),
                (async (): Promise<NameState> => {
                    // `az cosmosdb check-name-exists` prints true when the name is taken (DatabaseAccounts - Check Name Exists).
                    const exists = await azJson<boolean>(ctx.az, ["cosmosdb", "check-name-exists", "--name", f.cosmosAccountName]);
                    const base = { name: f.cosmosAccountName, what: "Cosmos DB account", key: "namePrefix" };
                    return !exists
                        ? { ...base, free: true }
                        : {
                              ...base,
                              free: false,
                              ours: await held(["cosmosdb", "show", "--name", f.cosmosAccountName, "--resource-group", rg]),
                          };
                })(),
                (async (): Promise<NameState> => {
                    // Check Dns Name Availability: {"available": bool} (Microsoft.Network, examples/CheckDnsNameAvailability.json).
                    const r = await azJson<{ available: boolean }>(ctx.az, [
                        "rest",
                        "--method",
                        "get",
                        "--url",
                        `${ARM}/subscriptions/${ctx.subscriptionId}/providers/Microsoft.Network/locations/${f.location}/CheckDnsNameAvailability?domainNameLabel=${f.dnsLabel}&api-version=2024-05-01`,
                    ]);
                    const base = { name: `${f.dnsLabel}.${f.location}.cloudapp.azure.com`, what: "DNS label", key: "namePrefix" };
                    if (r.available) return { ...base, free: true };
                    const ip = await showOrNull<{ dnsSettings?: { domainNameLabel?: string } }>(ctx.az, [
                        "network",
                        "public-ip",
                        "show",
                        "--name",
                        f.publicIpName,
                        "--resource-group",
                        rg,
                    ]);
                    return { ...base, free: false, ours: ip?.dnsSettings?.domainNameLabel === f.dnsLabel };
                })(),
            ]);
            return evaluateNames([storage, cosmos, dns], deployed, rg);
        },
    },
    {
        id: "locks",
        title: "No foreign or ReadOnly management locks (existing stack)",
        run: async (ctx) => {
            const deployed = await ctx.resourceGroupExists();
            return evaluateLocks(
                deployed ? await azJson<Lock[]>(ctx.az, ["lock", "list", "--resource-group", ctx.facts.resourceGroup]) : [],
                ctx.facts,
                deployed,
            );
        },
    },
    {
        id: "private-dns",
        title: "Private DNS zones present and linked (existing stack)",
        run: async (ctx) => {
            const deployed = await ctx.resourceGroupExists();
            const zones = deployed
                ? await Promise.all(
                      ctx.facts.privateDnsZones.map(async (name) => ({
                          name,
                          zone: await showOrNull<PrivateZone>(ctx.az, [
                              "network",
                              "private-dns",
                              "zone",
                              "show",
                              "--resource-group",
                              ctx.facts.resourceGroup,
                              "--name",
                              name,
                          ]),
                      })),
                  )
                : [];
            return evaluatePrivateDns(zones, deployed, ctx.facts.resourceGroup);
        },
    },
];
