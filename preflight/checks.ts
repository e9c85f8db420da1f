import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { aksSupportStatus } from "../lib/aksSupport";
import { Cidr, containsIp, overlaps, parseCidr, parseIp } from "../lib/cidr";
import { PlatformConfig } from "../lib/config";
import { AzCallError, azJson, AzRunner } from "./az";
import { DeploymentFacts, VmDemand } from "./facts";

/**
 * The checks. Each has a pure `evaluate…` function (the recorded `az` answers in, a verdict out: unit
 * tested against the fixtures under tests/preflight/fixtures) and a `run` that asks `az` for those
 * answers. Response shapes are those of the ARM REST API as the az CLI prints them; each evaluator
 * names the documented shape it reads.
 */

export type Status = "pass" | "warn" | "fail";

export interface Verdict {
    status: Status;
    message: string;
    /** The config key(s) or the Azure action that changes the outcome. */
    fix: string;
}

export interface CheckContext {
    cfg: PlatformConfig;
    facts: DeploymentFacts;
    az: AzRunner;
    subscriptionId: string;
    env: NodeJS.ProcessEnv;
    today: Date;
    /** Whether the stack's resource group exists (asked once, shared by the checks). */
    resourceGroupExists: () => Promise<boolean>;
}

export interface Check {
    id: string;
    title: string;
    run(ctx: CheckContext): Promise<Verdict>;
}

const worst = (verdicts: Verdict[]): Status =>
    verdicts.some((v) => v.status === "fail") ? "fail" : verdicts.some((v) => v.status === "warn") ? "warn" : "pass";

/** One verdict from several findings: the worst status, the messages of that status (or all when passing). */
function combine(verdicts: Verdict[], passMessage: string, passFix: string): Verdict {
    const status = worst(verdicts);
    if (status === "pass") return { status, message: passMessage, fix: passFix };
    const relevant = verdicts.filter((v) => v.status === status);
    return { status, message: relevant.map((v) => v.message).join("; "), fix: [...new Set(relevant.map((v) => v.fix))].join("; ") };
}

const lower = (s: string | undefined) => (s ?? "").toLowerCase().replace(/\s+/g, "");
const ARM = "https://management.azure.com";

// ---------------------------------------------------------------------------------------------
// AKS version

/** `az aks get-versions --location L`: KubernetesVersionListResult (Microsoft.ContainerService 2024-09-01, examples/KubernetesVersions_List.json). */
export interface AksVersions {
    values?: {
        version: string;
        isPreview?: boolean;
        isDefault?: boolean;
        capabilities?: { supportPlan?: string[] };
        patchVersions?: Record<string, unknown>;
    }[];
}

export function evaluateAksVersion(resp: AksVersions, facts: DeploymentFacts, today: Date): Verdict {
    const minor = facts.kubernetesMinor;
    const offered = (resp.values ?? []).map((v) => v.version);
    const entry = (resp.values ?? []).find((v) => v.version === minor);
    const fix = "kubernetesVersion";
    if (!entry)
        return {
            status: "fail",
            message: `AKS does not offer Kubernetes ${minor} in ${facts.location} (offered: ${offered.join(", ") || "none"})`,
            fix: `${fix} (one of ${offered.join(", ")})`,
        };
    if (facts.kubernetesVersion !== minor && !Object.keys(entry.patchVersions ?? {}).includes(facts.kubernetesVersion)) {
        return {
            status: "fail",
            message: `patch ${facts.kubernetesVersion} is not offered (offered: ${Object.keys(entry.patchVersions ?? {}).join(", ")})`,
            fix: `${fix} (a listed patch, or just ${minor})`,
        };
    }
    if (facts.aksLongTermSupport && !(entry.capabilities?.supportPlan ?? []).includes("AKSLongTermSupport")) {
        return {
            status: "fail",
            message: `Kubernetes ${minor} is not offered with long-term support in ${facts.location}`,
            fix: `${fix}, or aksSupportPlan KubernetesOfficial`,
        };
    }
    const support = aksSupportStatus(minor, today, { longTermSupport: facts.aksLongTermSupport });
    if (support.state === "expired")
        return {
            status: "fail",
            message: `Kubernetes ${minor} reached end of life on ${support.endOfLife}`,
            fix: `${fix} (a supported minor)`,
        };
    if (entry.isPreview) return { status: "warn", message: `Kubernetes ${minor} is offered in ${facts.location} as a preview only`, fix };
    if (support.state === "unknown")
        return {
            status: "warn",
            message: `Kubernetes ${minor} is offered, but its end of life is not in AKS_SUPPORT_CALENDAR (lib/aksSupport.ts)`,
            fix: `${fix}, or add ${minor} to lib/aksSupport.ts`,
        };
    const eol = `${support.daysLeft} days before end of life (${support.endOfLife})`;
    if (support.state === "warn")
        return { status: "warn", message: `Kubernetes ${minor} is offered; only ${eol}: plan the upgrade`, fix: `${fix} (next minor)` };
    return { status: "pass", message: `Kubernetes ${facts.kubernetesVersion} is offered in ${facts.location}; ${eol}`, fix };
}

// ---------------------------------------------------------------------------------------------
// VM sizes and quota

/**
 * `az vm list-skus --location L --resource-type virtualMachines --all`: ResourceSku[] (Microsoft.Compute
 * Skus 2021-07-01, skus.json and examples/skus/ListAvailableResourceSkusForARegion.json). `--all` keeps the
 * sizes the subscription may not use, so that a restriction is reported rather than a missing size.
 */
export interface ResourceSku {
    resourceType: string;
    name: string;
    family?: string;
    locations?: string[];
    locationInfo?: { location: string; zones?: string[] }[];
    capabilities?: { name: string; value: string }[];
    restrictions?: {
        type: "Location" | "Zone";
        values?: string[];
        restrictionInfo?: { locations?: string[]; zones?: string[] };
        reasonCode?: string;
    }[];
}

const capability = (sku: ResourceSku, name: string) => sku.capabilities?.find((c) => c.name === name)?.value;
const findSku = (skus: ResourceSku[], size: string) =>
    skus.find((s) => s.resourceType === "virtualMachines" && s.name.toLowerCase() === size.toLowerCase());

/** Ephemeral OS disks of `osDiskSizeGB` 64 (components/cluster.ts) live in the VM's cache or temp disk. */
const EPHEMERAL_OS_DISK_GB = 64;

function evaluateVmSize(skus: ResourceSku[], vm: VmDemand, location: string): Verdict {
    const fix = vm.sizeKey;
    const sku = findSku(skus, vm.vmSize);
    if (!sku) return { status: "fail", message: `${vm.role}: ${vm.vmSize} is not offered in ${location}`, fix };
    const restrictions = sku.restrictions ?? [];
    const locationBlock = restrictions.find(
        (r) => r.type === "Location" && (r.values ?? r.restrictionInfo?.locations ?? []).map(lower).includes(lower(location)),
    );
    if (locationBlock)
        return {
            status: "fail",
            message: `${vm.role}: ${vm.vmSize} is restricted in ${location} for this subscription (${locationBlock.reasonCode ?? "restricted"})`,
            fix: `${fix}, or ask Azure support to lift the restriction`,
        };
    const offeredZones = sku.locationInfo?.find((l) => lower(l.location) === lower(location))?.zones ?? [];
    const restrictedZones = new Set(restrictions.filter((r) => r.type === "Zone").flatMap((r) => r.restrictionInfo?.zones ?? []));
    const unusable = vm.zones.filter((z) => !offeredZones.includes(z) || restrictedZones.has(z));
    if (unusable.length > 0)
        return {
            status: "fail",
            message: `${vm.role}: ${vm.vmSize} is not available in zone(s) ${unusable.join(", ")} of ${location}`,
            fix: `${fix} or zones`,
        };
    if (vm.encryptionAtHost && capability(sku, "EncryptionAtHostSupported") !== "True") {
        return {
            status: "fail",
            message: `${vm.role}: ${vm.vmSize} does not support encryption at host`,
            fix: `${fix} (a size with EncryptionAtHostSupported)`,
        };
    }
    if (vm.ephemeralOsDisk) {
        // AKS puts an ephemeral OS disk in the VM cache or, failing that, the temp disk
        // (https://learn.microsoft.com/azure/aks/concepts-storage#ephemeral-os-disk).
        const cacheGb = Number(capability(sku, "CachedDiskBytes") ?? 0) / 1024 ** 3;
        const tempGb = Number(capability(sku, "MaxResourceVolumeMB") ?? 0) / 1024;
        if (capability(sku, "EphemeralOSDiskSupported") !== "True" || Math.max(cacheGb, tempGb) < EPHEMERAL_OS_DISK_GB) {
            return {
                status: "fail",
                message: `${vm.role}: ${vm.vmSize} cannot hold a ${EPHEMERAL_OS_DISK_GB} GB ephemeral OS disk`,
                fix: `${fix}, or aksOsDiskType Managed`,
            };
        }
    }
    const idle = [...restrictedZones].filter((z) => !vm.zones.includes(z));
    if (idle.length > 0 && vm.zones.length > 0) {
        return {
            status: "warn",
            message: `${vm.role}: ${vm.vmSize} is restricted in zone(s) ${idle.join(", ")}, which this stack does not use (a later change of zones would fail)`,
            fix,
        };
    }
    return { status: "pass", message: `${vm.role}: ${vm.vmSize}`, fix };
}

export function evaluateVmSizes(skus: ResourceSku[], facts: DeploymentFacts): Verdict {
    const verdicts = facts.vms.map((vm) => evaluateVmSize(skus, vm, facts.location));
    const zones = facts.zones.length > 0 ? ` in zones ${facts.zones.join(", ")}` : "";
    return combine(
        verdicts,
        `${[...new Set(facts.vms.map((v) => v.vmSize))].join(", ")} available in ${facts.location}${zones}`,
        facts.vms.map((v) => v.sizeKey).join(", "),
    );
}

/** `az vm list-usage --location L`: Usage[] (Microsoft.Compute Usage - List: currentValue, limit, name.value, name.localizedValue). */
export interface Usage {
    currentValue: number;
    limit: number;
    name: { value: string; localizedValue?: string };
}

/** vCPUs per quota family for the first deployment and at the peak (pools at maximum plus surge). */
export function vcpuDemand(
    skus: ResourceSku[],
    vms: VmDemand[],
): { family: string; initial: number; peak: number; parts: string[] }[] | string {
    const byFamily = new Map<string, { family: string; initial: number; peak: number; parts: string[] }>();
    for (const vm of vms) {
        const sku = findSku(skus, vm.vmSize);
        const vcpus = sku ? Number(capability(sku, "vCPUs")) : NaN;
        if (!sku?.family || !Number.isFinite(vcpus)) return `${vm.vmSize} (${vm.sizeKey}): no family or vCPUs in the SKU list`;
        const entry = byFamily.get(sku.family) ?? { family: sku.family, initial: 0, peak: 0, parts: [] };
        entry.initial += vm.initialCount * vcpus;
        entry.peak += vm.peakCount * vcpus;
        entry.parts.push(`${vm.role} ${vm.peakWhy} x ${vcpus}`);
        byFamily.set(sku.family, entry);
    }
    return [...byFamily.values()];
}

/**
 * A family's quota and the regional total ("cores", Total Regional vCPUs) must both hold the demand.
 * For a deployed stack the usage already counts its own nodes: at least the pool minimums are
 * subtracted, so the check stays conservative without double counting the whole stack.
 */
export function evaluateQuota(skus: ResourceSku[], usages: Usage[], facts: DeploymentFacts, deployed: boolean): Verdict {
    const demand = vcpuDemand(skus, facts.vms);
    if (typeof demand === "string") return { status: "fail", message: demand, fix: "the VM size keys" };
    const total = {
        family: "cores",
        initial: demand.reduce((a, d) => a + d.initial, 0),
        peak: demand.reduce((a, d) => a + d.peak, 0),
        parts: ["all VMs"],
    };
    const quotaFix = (family: string) =>
        `request more ${family} vCPU quota in ${facts.location} (portal: Quotas > Compute), or lower aksUserMaxCount / choose another size`;
    const verdicts = [...demand, total].map((d): Verdict => {
        const usage = usages.find((u) => u.name.value.toLowerCase() === d.family.toLowerCase());
        const label = d.family === "cores" ? "total regional vCPUs" : d.family;
        if (!usage) return { status: "warn", message: `${label}: no quota entry in az vm list-usage (cannot tell)`, fix: quotaFix(label) };
        const others = deployed ? Math.max(0, usage.currentValue - d.initial) : usage.currentValue;
        const free = usage.limit - others;
        const detail = `needs ${d.initial} now and ${d.peak} at peak [${d.parts.join(" + ")}], ${free} available (limit ${usage.limit}, in use ${usage.currentValue})`;
        if (d.initial > free) return { status: "fail", message: `${label}: ${detail}`, fix: quotaFix(label) };
        if (d.peak > free)
            return {
                status: "warn",
                message: `${label}: the first deployment fits but scale-out or an upgrade would not: ${detail}`,
                fix: quotaFix(label),
            };
        return { status: "pass", message: `${label}: ${detail}`, fix: quotaFix(label) };
    });
    return combine(verdicts, verdicts.map((v) => v.message).join("; "), "aksUserMaxCount, VM size keys");
}

// ---------------------------------------------------------------------------------------------
// Resource providers and features

/** `az provider show --namespace N`: Provider (Microsoft.Resources: namespace, registrationState). */
export interface Provider {
    namespace: string;
    registrationState?: string;
}
/** `az feature show --namespace N --name F`: FeatureResult (Microsoft.Features: name, properties.state). */
export interface Feature {
    name: string;
    properties?: { state?: string };
}

const IN_PROGRESS = new Set(["registering", "pending"]);

export function evaluateRegistrations(providers: Provider[], features: { feature: Feature; why: string }[]): Verdict {
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
    // The server sits in zones[0], its HA standby in zones[1] (components/postgres.ts).
    const zones = cfg.zones.length > 0 ? [cfg.zones[0], ...(pg.highAvailability ? [cfg.zones[1]] : [])] : [];
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
export const COSMOS_LOCATIONS_API = "2024-11-15";
export interface CosmosLocations {
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

// ---------------------------------------------------------------------------------------------
// Permissions of the deploying principal

/**
 * `az rest GET <scope>/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`: the caller's
 * effective permissions at a scope (Permissions - List For Resource Group, https://learn.microsoft.com/rest/api/authorization/permissions):
 * one entry per role, each with actions/notActions/dataActions/notDataActions and, for conditional
 * role assignments, `condition`.
 */
export const PERMISSIONS_API = "2022-04-01";
export interface Permission {
    actions?: string[];
    notActions?: string[];
    dataActions?: string[];
    notDataActions?: string[];
    condition?: string | null;
}

/** ARM action patterns: `*` matches any run of characters, case-insensitive (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions). */
function matches(pattern: string, action: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
            .join(".*")}$`,
        "i",
    );
    return re.test(action);
}

/** How an action is granted: unconditionally, only under a condition, or not at all. NotActions subtract within a role. */
export function grant(perms: Permission[], action: string, data = false): "granted" | "conditional" | "denied" {
    const granting = perms.filter(
        (p) =>
            (data ? p.dataActions : p.actions)?.some((a) => matches(a, action)) &&
            !(data ? p.notDataActions : p.notActions)?.some((a) => matches(a, action)),
    );
    if (granting.some((p) => !p.condition)) return "granted";
    return granting.length > 0 ? "conditional" : "denied";
}

export function evaluateRoleAssignments(perms: Permission[], scope: string, actions: string[]): Verdict {
    const fix = `assign Role Based Access Control Administrator (or User Access Administrator) and Contributor at ${scope} to the deploying identity`;
    const verdicts = actions.map((action): Verdict => {
        const g = grant(perms, action);
        if (g === "granted") return { status: "pass", message: action, fix };
        if (g === "conditional")
            return { status: "warn", message: `${action} only under a condition (it may not cover the roles this program assigns)`, fix };
        return { status: "fail", message: `missing ${action}`, fix };
    });
    return combine(verdicts, `can ${actions.map((a) => a.split("/").slice(-2).join("/")).join(", ")} at ${scope}`, fix);
}

// ---------------------------------------------------------------------------------------------
// State backend

export type Backend =
    | { kind: "azblob"; container: string; account?: string }
    | { kind: "cloud"; url: string }
    | { kind: "file"; url: string }
    | { kind: "other"; url: string }
    | { kind: "none" };

/**
 * Where `pulumi` keeps state: PULUMI_BACKEND_URL, else the `current` backend of `pulumi login`
 * (<PULUMI_HOME or ~/.pulumi>/credentials.json). azblob://<container>?storage_account=<name> or
 * AZURE_STORAGE_ACCOUNT names the account (https://www.pulumi.com/docs/iac/concepts/state-and-backends/#azure-blob-storage).
 */
export function stateBackend(env: NodeJS.ProcessEnv): { backend: Backend; cloudToken: boolean } {
    const home = env.PULUMI_HOME || path.join(env.HOME || os.homedir(), ".pulumi");
    let creds: { current?: string; accessTokens?: Record<string, string> } = {};
    try {
        creds = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8"));
    } catch {
        // no `pulumi login` on this machine
    }
    const url = env.PULUMI_BACKEND_URL || creds.current || "";
    const cloudToken = !!env.PULUMI_ACCESS_TOKEN || !!(url && creds.accessTokens?.[url]);
    if (!url) return { backend: env.PULUMI_ACCESS_TOKEN ? { kind: "cloud", url: "https://api.pulumi.com" } : { kind: "none" }, cloudToken };
    if (url.startsWith("azblob://")) {
        const u = new URL(url);
        return {
            backend: {
                kind: "azblob",
                container: u.hostname + u.pathname.replace(/\/$/, ""),
                account: u.searchParams.get("storage_account") || env.AZURE_STORAGE_ACCOUNT || undefined,
            },
            cloudToken,
        };
    }
    if (url.startsWith("https://")) return { backend: { kind: "cloud", url }, cloudToken };
    if (url.startsWith("file://")) return { backend: { kind: "file", url }, cloudToken };
    return { backend: { kind: "other", url }, cloudToken };
}

const BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
const BLOB_WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write";

/** Read and write on the state container: the data actions of Storage Blob Data Contributor. */
export function evaluateBlobState(perms: Permission[], account: string): Verdict {
    const fix = `assign Storage Blob Data Contributor on storage account ${account} to the deploying identity`;
    const read = grant(perms, BLOB_READ, true);
    const write = grant(perms, BLOB_WRITE, true);
    if (read === "denied" || write === "denied") {
        return {
            status: "fail",
            message: `cannot ${read === "denied" ? "read" : ""}${read === "denied" && write === "denied" ? " or " : ""}${write === "denied" ? "write" : ""} blobs of the state account ${account}`,
            fix,
        };
    }
    if (read === "conditional" || write === "conditional")
        return { status: "warn", message: `blob access to ${account} is granted only under a condition`, fix };
    return { status: "pass", message: `azblob state on ${account}: blob read and write granted`, fix };
}

// ---------------------------------------------------------------------------------------------
// Egress IP and the API server's authorized ranges

/** RFC 5737 documentation ranges: placeholders in the shipped stack files, never a real network. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map((c) => parseCidr(c) as Cidr);

export function evaluateEgress(cfg: PlatformConfig, egressIp: string | undefined, source: string): Verdict {
    const fix = "aksAuthorizedIpRanges";
    if (cfg.aks.privateCluster)
        return { status: "pass", message: "private cluster: the API server is reached through the VNet", fix: "aksPrivateCluster" };
    const ranges = cfg.aks.authorizedIpRanges.map((r) => parseCidr(r)).filter((c): c is Cidr => typeof c !== "string");
    const ip = egressIp ? parseIp(egressIp) : undefined;
    if (ip === undefined || typeof ip === "string") {
        return {
            status: "warn",
            message: `this machine's egress IP is unknown (${source}): cannot tell whether it may reach the API server`,
            fix: "set PREFLIGHT_EGRESS_IP, or check aksAuthorizedIpRanges by hand",
        };
    }
    const inside = ranges.find((c) => containsIp(c, ip));
    if (!inside)
        return {
            status: "fail",
            message: `egress IP ${egressIp} (${source}) is outside aksAuthorizedIpRanges [${cfg.aks.authorizedIpRanges.join(", ")}]: kubectl and the Kubernetes provider would be refused`,
            fix: `${fix} (add ${egressIp}/32 or the runner's range)`,
        };
    const placeholders = ranges.filter((c) => DOCUMENTATION_RANGES.some((d) => overlaps(c, d)));
    if (placeholders.length > 0)
        return {
            status: "warn",
            message: `egress IP ${egressIp} is inside ${inside.text}, but aksAuthorizedIpRanges still holds documentation ranges (${placeholders.map((c) => c.text).join(", ")})`,
            fix: `${fix} (replace the RFC 5737 placeholders)`,
        };
    return { status: "pass", message: `egress IP ${egressIp} (${source}) is inside ${inside.text}`, fix };
}

// ---------------------------------------------------------------------------------------------
// Globally unique names

export type NameState = { name: string; what: string; key: string } & ({ free: true } | { free: false; ours: boolean });

/** Free names pass; names held by this stack's resource group pass; names held elsewhere fail. */
export function evaluateNames(states: NameState[], deployed: boolean, resourceGroup: string): Verdict {
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
export interface Lock {
    name: string;
    level: string;
    id?: string;
    notes?: string | null;
}

export function evaluateLocks(locks: Lock[], facts: DeploymentFacts, deployed: boolean): Verdict {
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
export interface PrivateZone {
    name: string;
    numberOfVirtualNetworkLinks?: number;
    provisioningState?: string;
}

export function evaluatePrivateDns(zones: { name: string; zone: PrivateZone | null }[], deployed: boolean, resourceGroup: string): Verdict {
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

// ---------------------------------------------------------------------------------------------
// The checks, asking az

async function showOrNull<T>(az: AzRunner, args: string[]): Promise<T | null> {
    try {
        return await azJson<T>(az, args);
    } catch (e) {
        if (e instanceof AzCallError && e.notFound) return null;
        throw e;
    }
}

const rgScope = (ctx: CheckContext) => `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.facts.resourceGroup}`;

export const CHECKS: Check[] = [
    {
        id: "aks-version",
        title: "AKS version offered, days to end of life",
        run: async (ctx) =>
            evaluateAksVersion(
                await azJson<AksVersions>(ctx.az, ["aks", "get-versions", "--location", ctx.facts.location]),
                ctx.facts,
                ctx.today,
            ),
    },
    {
        id: "vm-sizes",
        title: "VM sizes available in the zones used",
        run: async (ctx) => evaluateVmSizes(await vmSkus(ctx), ctx.facts),
    },
    {
        id: "vcpu-quota",
        title: "vCPU quota per family (max scale + surge, ingress, GlusterFS)",
        run: async (ctx) => {
            const [skus, usages, deployed] = await Promise.all([
                vmSkus(ctx),
                azJson<Usage[]>(ctx.az, ["vm", "list-usage", "--location", ctx.facts.location]),
                ctx.resourceGroupExists(),
            ]);
            return evaluateQuota(skus, usages, ctx.facts, deployed);
        },
    },
    {
        id: "providers",
        title: "Resource providers and features registered",
        run: async (ctx) => {
            const [providers, features] = await Promise.all([
                Promise.all(ctx.facts.providers.map((ns) => azJson<Provider>(ctx.az, ["provider", "show", "--namespace", ns]))),
                Promise.all(
                    ctx.facts.features.map(async (f) => {
                        const [ns, name] = f.name.split("/");
                        return {
                            feature: await azJson<Feature>(ctx.az, ["feature", "show", "--namespace", ns, "--name", name]),
                            why: f.why,
                        };
                    }),
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
    {
        id: "role-assignments",
        title: "Deploying identity can write role assignments (and locks) at the resource group",
        run: async (ctx) => {
            const deployed = await ctx.resourceGroupExists();
            // Before the first deployment the group does not exist: what counts is what the subscription grants.
            const scope = deployed ? rgScope(ctx) : `/subscriptions/${ctx.subscriptionId}`;
            const perms = await azJson<{ value?: Permission[] }>(ctx.az, [
                "rest",
                "--method",
                "get",
                "--url",
                `${ARM}${scope}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API}`,
            ]);
            const actions = [
                ...(deployed ? [] : ["Microsoft.Resources/subscriptions/resourceGroups/write"]),
                "Microsoft.Authorization/roleAssignments/write",
                ...(ctx.cfg.protection.locks ? ["Microsoft.Authorization/locks/write"] : []),
            ];
            return evaluateRoleAssignments(perms.value ?? [], scope, actions);
        },
    },
    {
        id: "state-backend",
        title: "State backend readable and writable",
        run: async (ctx) => {
            const { backend, cloudToken } = stateBackend(ctx.env);
            switch (backend.kind) {
                case "none":
                    return {
                        status: "fail",
                        message: "no Pulumi backend: not logged in",
                        fix: "pulumi login (Pulumi Cloud or azblob://<container>?storage_account=<account>)",
                    };
                case "cloud":
                    return cloudToken
                        ? {
                              status: "pass",
                              message: `Pulumi Cloud ${backend.url}: access token present (its rights are checked by pulumi itself)`,
                              fix: "pulumi login",
                          }
                        : {
                              status: "fail",
                              message: `Pulumi Cloud ${backend.url}: no access token`,
                              fix: "pulumi login, or PULUMI_ACCESS_TOKEN",
                          };
                case "file":
                    return {
                        status: "warn",
                        message: `local state ${backend.url}: not shared with CI or colleagues`,
                        fix: "pulumi login azblob://… or Pulumi Cloud",
                    };
                case "other":
                    return {
                        status: "warn",
                        message: `state backend ${backend.url} is not Azure Blob or Pulumi Cloud: not checked`,
                        fix: "pulumi login",
                    };
                case "azblob": {
                    if (!backend.account)
                        return {
                            status: "fail",
                            message: `azblob://${backend.container}: no storage account named`,
                            fix: "azblob://<container>?storage_account=<account> or AZURE_STORAGE_ACCOUNT",
                        };
                    if (ctx.env.AZURE_STORAGE_KEY || ctx.env.AZURE_STORAGE_SAS_TOKEN) {
                        return {
                            status: "warn",
                            message: `azblob state on ${backend.account} uses a shared key or SAS token: not checked through Azure RBAC`,
                            fix: "unset AZURE_STORAGE_KEY and use Storage Blob Data Contributor",
                        };
                    }
                    const account = await showOrNull<{ id: string }>(ctx.az, ["storage", "account", "show", "--name", backend.account]);
                    if (!account)
                        return {
                            status: "fail",
                            message: `state storage account ${backend.account} not found (or not readable)`,
                            fix: "AZURE_STORAGE_ACCOUNT / the azblob:// URL, and Reader on the account",
                        };
                    const perms = await azJson<{ value?: Permission[] }>(ctx.az, [
                        "rest",
                        "--method",
                        "get",
                        "--url",
                        `${ARM}${account.id}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API}`,
                    ]);
                    return evaluateBlobState(perms.value ?? [], backend.account);
                }
            }
        },
    },
    {
        id: "egress-ip",
        title: "This machine's egress IP inside aksAuthorizedIpRanges",
        run: async (ctx) => {
            if (ctx.cfg.aks.privateCluster) return evaluateEgress(ctx.cfg, undefined, "not needed");
            if (ctx.env.PREFLIGHT_EGRESS_IP) return evaluateEgress(ctx.cfg, ctx.env.PREFLIGHT_EGRESS_IP.trim(), "PREFLIGHT_EGRESS_IP");
            // Asked through az so that it leaves by the same proxy as the deployment; ipify answers {"ip": "…"} (https://www.ipify.org).
            try {
                const answer = await azJson<{ ip?: string }>(ctx.az, [
                    "rest",
                    "--method",
                    "get",
                    "--skip-authorization-header",
                    "--url",
                    "https://api.ipify.org?format=json",
                ]);
                return evaluateEgress(ctx.cfg, answer.ip, "api.ipify.org");
            } catch (e) {
                if (e instanceof AzCallError) return evaluateEgress(ctx.cfg, undefined, e.message);
                throw e;
            }
        },
    },
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

/** The SKU list is large: asked once per run and shared by the VM-size and quota checks. */
const skuCache = new WeakMap<CheckContext, Promise<ResourceSku[]>>();
function vmSkus(ctx: CheckContext): Promise<ResourceSku[]> {
    if (!skuCache.has(ctx))
        skuCache.set(
            ctx,
            azJson<ResourceSku[]>(ctx.az, [
                "vm",
                "list-skus",
                "--location",
                ctx.facts.location,
                "--resource-type",
                "virtualMachines",
                "--all",
            ]),
        );
    return skuCache.get(ctx)!;
}
