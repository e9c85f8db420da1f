import { PlatformConfig } from "../../lib/config";
import { azJson } from "../az";
import { DeploymentFacts } from "../facts";
import { ARM, Check, combine, lower, Verdict } from "./verdict";

/** Resource providers and features, PostgreSQL Flexible Server and Cosmos DB: are the services offered to this subscription here? */

// ---------------------------------------------------------------------------------------------
// Resource providers and features

/** `az provider show --namespace N`: Provider (Microsoft.Resources: namespace, registrationState). */
interface Provider {
    namespace: string;
    registrationState?: string;
}
/** `az feature show --namespace N --name F`: FeatureResult (Microsoft.Features: name, properties.state). */
interface Feature {
    name: string;
    properties?: { state?: string };
}

const IN_PROGRESS = new Set(["registering", "pending"]);

function evaluateRegistrations(providers: Provider[], features: { feature: Feature; why: string }[]): Verdict {
    const verdicts: Verdict[] = [
        ...providers.map((p): Verdict => {
            const state = p.registrationState ?? "unknown";
            if (state === "Registered") return { status: "pass", message: p.namespace, fix: "" };
            const fix = `az provider register --namespace ${p.namespace}`;
            if (IN_PROGRESS.has(state.toLowerCase()))
                return { status: "warn", message: `${p.namespace} is ${state} (wait until Registered)`, fix };
            return { status: "fail", message: `resource provider ${p.namespace} is ${state}`, fix };
        }),
        ...features.map(({ feature, why }): Verdict => {
            const state = feature.properties?.state ?? "unknown";
            const [ns, name] = feature.name.split("/");
            // https://learn.microsoft.com/azure/virtual-machines/linux/disks-enable-host-based-encryption-cli
            const fix = `az feature register --namespace ${ns} --name ${name}, then az provider register --namespace ${ns}`;
            if (state === "Registered") return { status: "pass", message: feature.name, fix };
            if (IN_PROGRESS.has(state.toLowerCase()))
                return { status: "warn", message: `feature ${feature.name} is ${state} (needed for ${why})`, fix };
            return {
                status: "fail",
                message: `feature ${feature.name} is ${state} (needed for ${why})`,
                fix: `${fix}; or turn off aksEncryptionAtHost / ingressEncryptionAtHost`,
            };
        }),
    ];
    const names = [...providers.map((p) => p.namespace), ...features.map((f) => f.feature.name)];
    return combine(verdicts, `registered: ${names.join(", ")}`, "az provider register / az feature register");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL Flexible Server

/**
 * `az postgres flexible-server list-skus --location L`: FlexibleServerCapability[] (Microsoft.DBforPostgreSQL
 * 2024-08-01 Capabilities.json: supportedServerEditions[].supportedServerSkus[], supportedServerVersions[],
 * zoneRedundantHaSupported, geoBackupSupported, zoneRedundantHaAndGeoBackupSupported, restricted; every
 * capability carries `status` Visible | Available | Default | Disabled and a `reason`).
 */
export interface PostgresCapability {
    name?: string;
    status?: string;
    reason?: string;
    restricted?: string;
    zoneRedundantHaSupported?: string;
    geoBackupSupported?: string;
    zoneRedundantHaAndGeoBackupSupported?: string;
    supportedServerVersions?: { name: string; status?: string }[];
    supportedServerEditions?: {
        name: string;
        status?: string;
        supportedServerSkus?: { name: string; supportedZones?: string[]; supportedHaMode?: string[]; status?: string; reason?: string }[];
    }[];
}

export function evaluatePostgres(caps: PostgresCapability[], cfg: PlatformConfig): Verdict {
    const pg = cfg.postgres;
    if (pg.kind !== "azureFlexible") return { status: "pass", message: "not used (postgresKind inCluster)", fix: "postgresKind" };
    const cap = caps[0];
    const where = `in ${cfg.location}`;
    if (!cap) return { status: "fail", message: `no Flexible Server capabilities ${where}`, fix: "location" };
    if (cap.restricted === "Enabled" || cap.status === "Disabled")
        return {
            status: "fail",
            message: `Flexible Server is restricted ${where} for this subscription${cap.reason ? ` (${cap.reason})` : ""}`,
            fix: "location, or a support request to open the region",
        };
    const edition = cap.supportedServerEditions?.find((e) => e.name === pg.skuTier);
    if (!edition || edition.status === "Disabled")
        return { status: "fail", message: `tier ${pg.skuTier} is not offered ${where}`, fix: "postgresSkuTier" };
    const sku = edition.supportedServerSkus?.find((s) => s.name.toLowerCase() === pg.skuName.toLowerCase());
    if (!sku || sku.status === "Disabled")
        return {
            status: "fail",
            message: `${pg.skuName} (${pg.skuTier}) is not offered ${where}${sku?.reason ? `: ${sku.reason}` : ""}`,
            fix: "postgresSkuName",
        };
    const version = cap.supportedServerVersions?.find((v) => v.name === pg.version);
    if (!version || version.status === "Disabled")
        return {
            status: "fail",
            message: `PostgreSQL ${pg.version} is not offered ${where}`,
            fix: "a region that offers PostgreSQL 16 (location)",
        };
    // The server sits in zones[0], its HA standby in zones[1] (components/postgresFlexibleServer.ts).
    const zones = cfg.zones.slice(0, pg.highAvailability ? 2 : 1);
    const missingZones = zones.filter((z) => !(sku.supportedZones ?? []).includes(z));
    if (missingZones.length > 0)
        return {
            status: "fail",
            message: `${pg.skuName} is not offered in zone(s) ${missingZones.join(", ")} ${where}`,
            fix: "postgresSkuName or zones",
        };
    const problems: string[] = [];
    if (pg.highAvailability) {
        if (cap.zoneRedundantHaSupported !== "Enabled") problems.push(`zone-redundant HA is not available ${where}`);
        else if (!(sku.supportedHaMode ?? []).includes("ZoneRedundant")) problems.push(`${pg.skuName} does not support zone-redundant HA`);
    }
    if (pg.geoRedundantBackup && cap.geoBackupSupported !== "Enabled") problems.push(`geo-redundant backup is not available ${where}`);
    if (pg.highAvailability && pg.geoRedundantBackup && problems.length === 0 && cap.zoneRedundantHaAndGeoBackupSupported !== "Enabled") {
        problems.push(`zone-redundant HA together with geo-redundant backup is not available ${where}`);
    }
    if (problems.length > 0)
        return {
            status: "fail",
            message: problems.join("; "),
            fix: "location (production needs zone-redundant HA and geo backup), or a support request",
        };
    if (sku.status === "Visible")
        return { status: "warn", message: `${pg.skuName} is listed ${where} but not marked Available`, fix: "postgresSkuName" };
    const ha = pg.highAvailability ? ", zone-redundant HA" : "";
    const geo = pg.geoRedundantBackup ? ", geo backup" : "";
    return {
        status: "pass",
        message: `${pg.skuName} (${pg.skuTier}), PostgreSQL ${pg.version}${ha}${geo} ${where}`,
        fix: "postgresSkuName, postgresSkuTier",
    };
}

// ---------------------------------------------------------------------------------------------
// Cosmos DB regions

/**
 * `az rest GET /subscriptions/{id}/providers/Microsoft.DocumentDB/locations?api-version=2024-11-15`:
 * LocationListResult (Microsoft.DocumentDB 2024-11-15, examples/CosmosDBLocationList.json). `az cosmosdb
 * locations list` may use an older API without the subscription-access flags, hence az rest.
 */
const COSMOS_LOCATIONS_API = "2024-11-15";
interface CosmosLocations {
    value?: {
        name: string;
        properties?: {
            supportsAvailabilityZone?: boolean;
            isSubscriptionRegionAccessAllowedForAz?: boolean;
            isSubscriptionRegionAccessAllowedForRegular?: boolean;
            status?: string;
        };
    }[];
}

export function evaluateCosmos(resp: CosmosLocations, facts: DeploymentFacts): Verdict {
    const zr = facts.cosmosZoneRedundant;
    const fixZr =
        "cosmosSecondaryLocation / location (a region that accepts zone-redundant accounts), or a support request for zone-redundant capacity";
    const verdicts = facts.cosmosLocations.map((loc): Verdict => {
        const entry = (resp.value ?? []).find((l) => lower(l.name) === lower(loc));
        const key = loc === facts.location ? "location" : "cosmosSecondaryLocation";
        if (!entry) return { status: "fail", message: `${loc}: not a Cosmos DB location for this subscription`, fix: key };
        const p = entry.properties ?? {};
        if (p.isSubscriptionRegionAccessAllowedForRegular === false && !zr) {
            return {
                status: "fail",
                message: `${loc}: new accounts are not accepted for this subscription`,
                fix: `${key}, or a support request`,
            };
        }
        if (zr) {
            if (p.supportsAvailabilityZone === false)
                return { status: "fail", message: `${loc}: no zone-redundant Cosmos DB in this region`, fix: fixZr };
            if (p.isSubscriptionRegionAccessAllowedForAz === false)
                return {
                    status: "fail",
                    message: `${loc}: zone-redundant accounts are refused for this subscription (high demand)`,
                    fix: fixZr,
                };
            if (p.isSubscriptionRegionAccessAllowedForAz === undefined || p.supportsAvailabilityZone === undefined) {
                return { status: "warn", message: `${loc}: the API does not say whether zone-redundant accounts are accepted`, fix: fixZr };
            }
        }
        if (p.status !== undefined && p.status !== "Online")
            return { status: "warn", message: `${loc}: Cosmos DB status is ${p.status}`, fix: key };
        return { status: "pass", message: loc, fix: key };
    });
    return combine(
        verdicts,
        `${facts.cosmosLocations.join(", ")}: ${zr ? "zone-redundant accounts accepted" : "accounts accepted (not zone-redundant)"}`,
        "location, cosmosSecondaryLocation",
    );
}

export const SERVICE_CHECKS: Check[] = [
    {
        id: "providers",
        title: "Resource providers and features registered",
        run: async (ctx) => {
            const [providers, features] = await Promise.all([
                Promise.all(ctx.facts.providers.map((ns) => azJson<Provider>(ctx.az, ["provider", "show", "--namespace", ns]))),
                Promise.all(
                    ctx.facts.features.map(async (f) => ({
                        feature: await azJson<Feature>(ctx.az, ["feature", "show", "--namespace", f.namespace, "--name", f.name]),
                        why: f.why,
                    })),
                ),
            ]);
            return evaluateRegistrations(providers, features);
        },
    },
    {
        id: "postgres",
        title: "PostgreSQL Flexible Server SKU, version and HA in region and zones",
        run: async (ctx) =>
            evaluatePostgres(
                ctx.cfg.postgres.kind === "azureFlexible"
                    ? await azJson<PostgresCapability[]>(ctx.az, [
                          "postgres",
                          "flexible-server",
                          "list-skus",
                          "--location",
                          ctx.facts.location,
                      ])
                    : [],
                ctx.cfg,
            ),
    },
    {
        id: "cosmos-zones",
        title: "Cosmos DB (zone-redundant) accounts accepted in each location",
        run: async (ctx) =>
            evaluateCosmos(
                await azJson<CosmosLocations>(ctx.az, [
                    "rest",
                    "--method",
                    "get",
                    "--url",
                    `${ARM}/subscriptions/${ctx.subscriptionId}/providers/Microsoft.DocumentDB/locations?api-version=${COSMOS_LOCATIONS_API}`,
                ]),
                ctx.facts,
            ),
    },
];
