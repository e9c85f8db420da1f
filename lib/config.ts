import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    Cidr, contains, containsIp, hostAt, isAnyAddress, isAzureReserved, overlaps, parseCidr, parseIp, usableAzureAddresses,
} from "./cidr";
import { AKS_SUPPORT_CALENDAR, aksMinorOf, aksSupportStatus } from "./aksSupport";
import PINNED_PACHCTL from "./cloudinit/pachctl.json";

/**
 * Configuration of one stack: `parseConfig` turns the raw key/value map the Pulumi engine hands the
 * program (project defaults from Pulumi.yaml merged with Pulumi.<stack>.yaml) into a typed, validated
 * `PlatformConfig`, or throws one `ConfigValidationError` that names every offending key.
 * It is pure: no Pulumi resources, no I/O.
 */

/** Regions with three availability zones (https://learn.microsoft.com/azure/reliability/availability-zones-region-support). */
export const ZONE_REDUNDANT_REGIONS = [
    "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "israelcentral", "italynorth", "japaneast", "koreacentral", "mexicocentral",
    "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral", "southafricanorth",
    "southcentralus", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth",
    "westeurope", "westus2", "westus3",
] as const;

export type EnvironmentKind = "dev" | "prod";
export type StorageAuthMode = "workloadIdentity" | "sharedKey";
export type MetadataStoreKind = "managedDisk" | "glusterfs";
export type PostgresKind = "inCluster" | "azureFlexible";

export interface CosmosContainerSpec {
    name: string;
    partitionKeyPath: string;
    /** undefined = TTL off; -1 = on without a default expiry; n > 0 = seconds. */
    defaultTtlSeconds?: number;
    excludedPaths: string[];
}

export interface ResourceSpec {
    cpuRequest: string;
    memoryRequest: string;
    memoryLimit: string;
}

export interface PlatformConfig {
    project: string;
    stack: string;
    environment: EnvironmentKind;
    isProd: boolean;
    location: string;
    namePrefix: string;
    tags: { environment: string; project: string; owner: string; costCenter: string };
    zones: string[];
    /** Derived from the environment kind: prod protects stateful resources and adds management locks. */
    protection: { protect: boolean; locks: boolean };
    network: {
        addressSpace: string;
        subnets: { aks: string; ingress: string; data: string; privateEndpoints: string; postgres: string };
    };
    aks: {
        kubernetesVersion: string;
        tier: "Free" | "Standard" | "Premium";
        supportPlan: "KubernetesOfficial" | "AKSLongTermSupport";
        serviceCidr: string;
        dnsServiceIp: string;
        podCidr: string;
        systemPool: { vmSize: string; count: number };
        userPool: { vmSize: string; minCount: number; maxCount: number };
        maxPods: number;
        osDiskType: "Ephemeral" | "Managed";
        encryptionAtHost: boolean;
        privateCluster: boolean;
        authorizedIpRanges: string[];
        adminGroupObjectIds: string[];
        disableLocalAccounts: boolean;
        upgradeChannel: "none" | "patch" | "stable" | "rapid" | "node-image";
        maintenance: { dayOfWeek: string; startHour: number; durationHours: number };
    };
    storage: {
        sku: "Standard_LRS" | "Standard_ZRS" | "Standard_GZRS" | "Standard_RAGZRS";
        authMode: StorageAuthMode;
        containerName: string;
        blobSoftDeleteDays: number;
        containerSoftDeleteDays: number;
        pointInTimeRestoreDays: number;
        lifecycle: { coolAfterDays: number; coldAfterDays: number; versionsCoolAfterDays: number; versionsDeleteAfterDays: number };
    };
    metadataStore: {
        kind: MetadataStoreKind;
        diskSku: "Premium_LRS" | "Premium_ZRS";
        etcdDiskSizeGb: number;
        postgresDiskSizeGb: number;
        gluster: { vmSize: string; brickDiskSizeGb: number; volumeName: string; nodeIps: string[]; clientIp: string };
    };
    postgres: {
        kind: PostgresKind;
        version: "16";
        skuName: string;
        skuTier: "Burstable" | "GeneralPurpose" | "MemoryOptimized";
        storageSizeGb: number;
        backupRetentionDays: number;
        geoRedundantBackup: boolean;
        highAvailability: boolean;
    };
    cosmos: {
        capacityMode: "serverless" | "autoscale";
        maxThroughput: number;
        databaseName: string;
        containers: CosmosContainerSpec[];
        secondaryLocation?: string;
        backupTier: "Continuous7Days" | "Continuous30Days";
    };
    ingress: {
        vmSize: string;
        adminUsername: string;
        sshPublicKey: string;
        adminSourceCidrs: string[];
        ports: number[];
        idleTimeoutMinutes: number;
        encryptionAtHost: boolean;
    };
    pachyderm: {
        version: string;
        namespace: string;
        internalLbIp: string;
        pachdReplicas: number;
        etcdReplicas: 1 | 3;
        pachd: ResourceSpec;
        etcd: ResourceSpec;
        console: boolean;
        oidc?: { issuer: string; clientId: string; clientSecret: pulumi.Output<string> };
        etcdBackupSchedule: string;
    };
    cost: { dataTb: number };
    /** Things the plan must show but that do not stop it (an AKS minor close to its end of life). */
    warnings: string[];
}

export interface ConfigProblem {
    key: string;
    message: string;
}

/** One error naming every offending key; a RunError so that Pulumi prints it without a stack trace. */
export class ConfigValidationError extends pulumi.RunError {
    constructor(public readonly problems: ConfigProblem[], namespace: string) {
        super(
            `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${namespace}:${p.key}: ${p.message}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

// ---------------------------------------------------------------------------------------------
// Field schemas. The Pulumi engine passes every config value as a string (arrays as JSON), the
// stack files and tests may pass real types: the preprocessors accept both.

const fromString = (parse: (s: string) => unknown) => (v: unknown) => (typeof v === "string" ? parse(v) : v);
const int = (min: number, max: number) =>
    z.preprocess(fromString((s) => (/^-?\d+$/.test(s.trim()) ? Number(s) : s)), z.number().int().min(min).max(max));
const bool = z.preprocess(fromString((s) => (s === "true" ? true : s === "false" ? false : s)), z.boolean());
const jsonArray = <T extends z.ZodTypeAny>(item: T, max = 64) =>
    z.preprocess(fromString((s) => { try { return JSON.parse(s); } catch { return s; } }), z.array(item).max(max));
const oneLine = (max: number) => z.string().max(max).regex(/^[^\r\n\0]*$/, "must be a single line");
const safeToken = (re: RegExp, what: string) => z.string().regex(re, what);

const VM_SIZE = safeToken(/^Standard_[A-Za-z0-9_]{2,40}$/, "must be an Azure VM size such as Standard_D4ds_v5");
const QUANTITY = safeToken(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, "must be a Kubernetes quantity such as 500m, 2Gi");
const GUID = safeToken(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a GUID");
const CIDR_TEXT = z.string().max(18);
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

export const FIELD_SCHEMAS = {
    environment: z.enum(["dev", "prod"]),
    location: z.enum(ZONE_REDUNDANT_REGIONS, { message: `must be a region with 3 availability zones: ${ZONE_REDUNDANT_REGIONS.join(", ")}` }),
    namePrefix: safeToken(/^[a-z][a-z0-9]{2,9}$/, "must be 3-10 lowercase letters or digits, starting with a letter"),
    owner: safeToken(/^[A-Za-z0-9 ._@-]{1,64}$/, "must be 1-64 letters, digits, spaces or . _ @ -"),
    costCenter: safeToken(/^[A-Za-z0-9 ._-]{1,64}$/, "must be 1-64 letters, digits, spaces or . _ -"),
    zones: jsonArray(z.enum(["1", "2", "3"]), 3),
    vnetAddressSpace: CIDR_TEXT,
    subnetAks: CIDR_TEXT,
    subnetIngress: CIDR_TEXT,
    subnetData: CIDR_TEXT,
    subnetPrivateEndpoints: CIDR_TEXT,
    subnetPostgres: CIDR_TEXT,
    kubernetesVersion: safeToken(/^1\.\d{2}(\.\d{1,2})?$/, "must be MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.36"),
    aksTier: z.enum(["Free", "Standard", "Premium"]),
    aksSupportPlan: z.enum(["KubernetesOfficial", "AKSLongTermSupport"]),
    aksServiceCidr: CIDR_TEXT,
    aksDnsServiceIp: z.string().max(15),
    aksPodCidr: CIDR_TEXT,
    aksSystemVmSize: VM_SIZE,
    aksSystemNodeCount: int(1, 100),
    aksUserVmSize: VM_SIZE,
    aksUserMinCount: int(0, 1000),
    aksUserMaxCount: int(1, 1000),
    aksMaxPods: int(30, 250),
    aksOsDiskType: z.enum(["Ephemeral", "Managed"]),
    aksEncryptionAtHost: bool,
    aksPrivateCluster: bool,
    aksAuthorizedIpRanges: jsonArray(CIDR_TEXT, 200),
    aksAdminGroupObjectIds: jsonArray(GUID, 20),
    aksDisableLocalAccounts: bool,
    aksUpgradeChannel: z.enum(["none", "patch", "stable", "rapid", "node-image"]),
    aksMaintenanceDay: z.enum(DAYS),
    aksMaintenanceStartHour: int(0, 23),
    storageSku: z.enum(["Standard_LRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"]),
    storageAuthMode: z.enum(["workloadIdentity", "sharedKey"]),
    storageContainerName: safeToken(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be 3-63 lowercase letters, digits and single hyphens"),
    storageBlobSoftDeleteDays: int(1, 365),
    storageContainerSoftDeleteDays: int(1, 365),
    storagePointInTimeRestoreDays: int(0, 364),
    storageCoolAfterDays: int(0, 36500),
    storageColdAfterDays: int(0, 36500),
    storageVersionsCoolAfterDays: int(0, 36500),
    storageVersionsDeleteAfterDays: int(0, 36500),
    metadataStoreKind: z.enum(["managedDisk", "glusterfs"]),
    metadataDiskSku: z.enum(["Premium_LRS", "Premium_ZRS"]),
    etcdDiskSizeGb: int(16, 4096),
    postgresDiskSizeGb: int(16, 4096),
    glusterVmSize: VM_SIZE,
    glusterBrickDiskSizeGb: int(32, 32767),
    glusterVolumeName: safeToken(/^[a-z][a-z0-9-]{1,30}$/, "must be 2-31 lowercase letters, digits or hyphens, starting with a letter"),
    postgresKind: z.enum(["inCluster", "azureFlexible"]),
    postgresSkuName: safeToken(/^Standard_[A-Za-z0-9_]{2,40}$/, "must be a Flexible Server SKU such as Standard_D2ds_v5"),
    postgresSkuTier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"]),
    postgresStorageSizeGb: int(32, 16384),
    postgresBackupRetentionDays: int(14, 35),
    cosmosCapacityMode: z.enum(["serverless", "autoscale"]),
    cosmosMaxThroughput: int(1000, 1000000).refine((n) => n % 1000 === 0, "must be a multiple of 1000"),
    cosmosDatabaseName: safeToken(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "must be 1-63 letters, digits, _ or -, starting with a letter"),
    cosmosContainers: jsonArray(oneLine(300), 25).refine((a) => a.length > 0, "must list at least one container"),
    cosmosSecondaryLocation: z.union([z.literal(""), z.enum(ZONE_REDUNDANT_REGIONS)], { message: "must be \"\" or a region with 3 availability zones" }),
    cosmosBackupTier: z.enum(["Continuous7Days", "Continuous30Days"]),
    ingressVmSize: VM_SIZE,
    adminUsername: safeToken(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name (lowercase, 1-32 chars)")
        .refine((u) => !["root", "admin", "administrator", "azureuser", "guest", "test", "user", "sys", "daemon", "bin"].includes(u), "is a reserved user name"),
    sshPublicKey: z.string().max(16384),
    ingressAdminSourceCidrs: jsonArray(CIDR_TEXT, 20),
    ingressPorts: jsonArray(z.preprocess(fromString((s) => Number(s)), z.number().int().min(1).max(65535)), 10)
        .refine((a) => a.length > 0, "must list at least one port").refine((a) => new Set(a).size === a.length, "has duplicate ports")
        .refine((a) => !a.includes(22) && !a.includes(3389), "must not expose 22 or 3389 (SSH goes through the NAT rule for ingressAdminSourceCidrs)"),
    ingressIdleTimeoutMinutes: int(4, 100),
    ingressEncryptionAtHost: bool,
    pachydermVersion: safeToken(/^2\.12\.\d{1,2}$/, "must be a Pachyderm 2.12.x release such as 2.12.2")
        .refine((v) => v === PINNED_PACHCTL.version, `must be a release whose pachctl checksum is pinned in lib/cloudinit/pachctl.json (${PINNED_PACHCTL.version})`),
    pachydermNamespace: safeToken(/^(?!kube-|default$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS-1123 label other than default and kube-*"),
    pachdInternalIp: z.string().max(15),
    pachdReplicas: int(1, 10),
    etcdReplicas: z.preprocess(fromString((s) => Number(s)), z.union([z.literal(1), z.literal(3)], { message: "must be 1 or 3" })),
    pachdCpuRequest: QUANTITY,
    pachdMemoryRequest: QUANTITY,
    pachdMemoryLimit: QUANTITY,
    etcdCpuRequest: QUANTITY,
    etcdMemoryRequest: QUANTITY,
    etcdMemoryLimit: QUANTITY,
    pachydermConsole: bool,
    pachydermOidcIssuer: z.union([z.literal(""), z.url({ protocol: /^https$/ }).max(300)], { message: "must be \"\" or an https URL" }),
    pachydermOidcClientId: safeToken(/^[A-Za-z0-9._:-]{0,128}$/, "must be letters, digits or . _ : -"),
    pachydermOidcClientSecret: z.string().max(512),
    etcdBackupSchedule: safeToken(/^(\S+\s+){4}\S+$/, "must be a 5-field cron expression")
        .refine((s) => /^[0-9*/,\- ]+$/.test(s), "may contain only digits, * / , - and spaces"),
    costDataTb: int(0, 100000),
} as const;

export type ConfigKey = keyof typeof FIELD_SCHEMAS;
export const CONFIG_KEYS = Object.keys(FIELD_SCHEMAS) as ConfigKey[];
/** Keys whose values are secrets: wrapped with `pulumi.secret` and never echoed in messages. */
export const SECRET_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(["pachydermOidcClientSecret"]);

type Parsed = { [K in ConfigKey]: z.output<(typeof FIELD_SCHEMAS)[K]> };

const COSMOS_CONTAINER = /^([A-Za-z][A-Za-z0-9_-]{0,62}):(\/[A-Za-z0-9_]{1,64}(?:\/[A-Za-z0-9_]{1,64}){0,2})((?:;[a-z]+=[^;]*)*)$/;
const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]{60,}={0,3}( [A-Za-z0-9@._-]{1,100})?$/;
const SIZE_UNITS: Record<string, number> = { "": 1, m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

function quantityValue(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
    return m ? Number(m[1]) * SIZE_UNITS[m[2] ?? ""] : NaN;
}

export interface ParseContext {
    /** Pulumi project name (the config namespace). */
    project: string;
    stack: string;
    /** The day support calendars are read against (tests pass a fixed one); default: now. */
    today?: Date;
}

/**
 * Validates raw config (keys without the `<project>:` namespace) and returns the typed config.
 * Throws `ConfigValidationError` listing every problem; nothing is partially returned.
 */
export function parseConfig(raw: Record<string, unknown>, ctx: ParseContext): PlatformConfig {
    const problems: ConfigProblem[] = [];
    const add = (key: string, message: string) => problems.push({ key, message });

    for (const key of Object.keys(raw)) {
        if (!(key in FIELD_SCHEMAS)) add(key, "unknown configuration key (see Pulumi.yaml for the keys this program reads)");
    }

    const v = {} as Partial<Parsed>;
    for (const key of CONFIG_KEYS) {
        if (!(key in raw) || raw[key] === undefined) {
            add(key, "is missing (Pulumi.yaml declares a default for it; is the project file present?)");
            continue;
        }
        const res = (FIELD_SCHEMAS[key] as z.ZodTypeAny).safeParse(raw[key]);
        if (res.success) {
            (v as Record<string, unknown>)[key] = res.data;
        } else {
            for (const issue of res.error.issues) {
                const where = issue.path.length ? `[${issue.path.join("][")}]` : "";
                // Never echo a secret value back; zod messages do not include input values.
                add(`${key}${where}`, issue.message);
            }
        }
    }
    const ok = (...keys: ConfigKey[]) => keys.every((k) => v[k] !== undefined);

    // --- Addresses ------------------------------------------------------------------------
    const cidrs: Partial<Record<ConfigKey, Cidr>> = {};
    const cidrKey = (key: ConfigKey): Cidr | undefined => {
        if (!ok(key)) return undefined;
        const c = parseCidr(v[key] as string);
        if (typeof c === "string") { add(key, c); return undefined; }
        cidrs[key] = c;
        return c;
    };
    const vnet = cidrKey("vnetAddressSpace");
    if (vnet && (vnet.prefix < 8 || vnet.prefix > 24)) add("vnetAddressSpace", "must be between /8 and /24");
    const subnetRules: [ConfigKey, number, string][] = [
        ["subnetAks", 24, "AKS nodes (node count x surge) need /24 or larger"],
        ["subnetIngress", 29, "the ingress VM subnet needs /29 or larger"],
        ["subnetData", 28, "the GlusterFS subnet needs /28 or larger"],
        ["subnetPrivateEndpoints", 28, "the private endpoint subnet needs /28 or larger"],
        ["subnetPostgres", 28, "PostgreSQL Flexible Server needs a delegated /28 or larger"],
    ];
    const subnets: [ConfigKey, Cidr][] = [];
    for (const [key, maxPrefix, why] of subnetRules) {
        const c = cidrKey(key);
        if (!c) continue;
        if (c.prefix > maxPrefix) add(key, `is /${c.prefix}: ${why} (${usableAzureAddresses(c)} usable addresses after Azure's 5 reserved)`);
        if (vnet && !contains(vnet, c)) add(key, `${c.text} is not inside the VNet ${vnet.text} (vnetAddressSpace)`);
        for (const [otherKey, other] of subnets) {
            if (overlaps(c, other)) add(key, `${c.text} overlaps ${otherKey} ${other.text}`);
        }
        subnets.push([key, c]);
    }
    const service = cidrKey("aksServiceCidr");
    const pod = cidrKey("aksPodCidr");
    for (const [key, c] of [["aksServiceCidr", service], ["aksPodCidr", pod]] as const) {
        if (c && vnet && overlaps(c, vnet)) add(key, `${c.text} overlaps the VNet ${vnet.text}`);
    }
    if (service && pod && overlaps(service, pod)) add("aksPodCidr", `${pod.text} overlaps aksServiceCidr ${service.text}`);
    if (service && service.prefix < 12) add("aksServiceCidr", "must be /12 or smaller (AKS limit)");
    if (ok("aksDnsServiceIp")) {
        const ip = parseIp(v.aksDnsServiceIp!);
        if (typeof ip === "string") add("aksDnsServiceIp", ip);
        else if (service && (!containsIp(service, ip) || ip === service.first || ip === service.last)) {
            add("aksDnsServiceIp", `${v.aksDnsServiceIp} must be inside aksServiceCidr ${service.text}, not its first or last address`);
        }
    }

    const aks = cidrs.subnetAks;
    if (ok("pachdInternalIp")) {
        const ip = parseIp(v.pachdInternalIp!);
        if (typeof ip === "string") add("pachdInternalIp", ip);
        else if (aks && !containsIp(aks, ip)) add("pachdInternalIp", `${v.pachdInternalIp} is not inside subnetAks ${aks.text}`);
        else if (aks && isAzureReserved(aks, ip)) add("pachdInternalIp", `${v.pachdInternalIp} is one of Azure's 5 reserved addresses of ${aks.text}`);
        else if (aks && ip - aks.first < 16n) {
            // The first addresses of the node subnet go to nodes as they are created; pick from the top.
            add("pachdInternalIp", `${v.pachdInternalIp} is in the first 16 addresses of ${aks.text}, which AKS nodes take first`);
        }
    }

    // Authorized ranges and admin sources: never "the internet".
    const cidrList = (key: ConfigKey): Cidr[] => {
        if (!ok(key)) return [];
        const out: Cidr[] = [];
        (v[key] as string[]).forEach((text, i) => {
            const c = parseCidr(text);
            if (typeof c === "string") add(`${key}[${i}]`, c);
            else if (isAnyAddress(c)) add(`${key}[${i}]`, `${c.text} would open access to the whole internet`);
            else out.push(c);
        });
        return out;
    };
    const authorized = cidrList("aksAuthorizedIpRanges");
    cidrList("ingressAdminSourceCidrs");
    if (ok("aksPrivateCluster", "aksAuthorizedIpRanges") && !v.aksPrivateCluster && authorized.length === 0 && (v.aksAuthorizedIpRanges as string[]).length === 0) {
        add("aksAuthorizedIpRanges", "must list the CIDRs allowed to reach the public API server (or set aksPrivateCluster: true)");
    }

    // --- AKS version against the support calendar (lib/aksSupport.ts) ---------------------------
    const warnings: string[] = [];
    if (ok("kubernetesVersion", "aksTier", "aksSupportPlan")) {
        // LTS needs the Premium tier and the AKSLongTermSupport plan (learn.microsoft.com/azure/aks/long-term-support).
        if (v.aksSupportPlan === "AKSLongTermSupport" && v.aksTier !== "Premium") add("aksSupportPlan", "AKSLongTermSupport requires aksTier Premium (AKS long-term support)");
        const lts = v.aksSupportPlan === "AKSLongTermSupport" && v.aksTier === "Premium";
        const version = v.kubernetesVersion!;
        const today = ctx.today ?? new Date();
        const status = aksSupportStatus(version, today, { longTermSupport: lts });
        const day = today.toISOString().slice(0, 10);
        const supported = Object.keys(AKS_SUPPORT_CALENDAR).filter((m) => ["supported", "warn"].includes(aksSupportStatus(m, today).state));
        if (status.state === "unknown") {
            add("kubernetesVersion", `${aksMinorOf(version) ?? version} is not a GA minor in the AKS support calendar on ${day} (lib/aksSupport.ts); supported: ${supported.join(", ")}`);
        } else if (status.state === "expired") {
            add("kubernetesVersion", `${aksMinorOf(version)} reached its AKS end of life on ${status.endOfLife}: AKS refuses new clusters on it` +
                `${lts ? "" : " (unless LTS: aksTier Premium and aksSupportPlan AKSLongTermSupport)"}; supported: ${supported.join(", ")}`);
        } else if (status.state === "warn") {
            warnings.push(`kubernetesVersion ${aksMinorOf(version)} reaches its AKS end of life on ${status.endOfLife} (${status.daysLeft} days): plan the upgrade`);
        }
    }

    // --- Sizes and counts --------------------------------------------------------------------
    if (ok("aksUserMinCount", "aksUserMaxCount") && v.aksUserMinCount! > v.aksUserMaxCount!) {
        add("aksUserMinCount", `(${v.aksUserMinCount}) must not exceed aksUserMaxCount (${v.aksUserMaxCount})`);
    }
    for (const [req, lim] of [["pachdMemoryRequest", "pachdMemoryLimit"], ["etcdMemoryRequest", "etcdMemoryLimit"]] as const) {
        if (ok(req, lim) && quantityValue(v[req]!) > quantityValue(v[lim]!)) add(lim, `(${v[lim]}) must be at least ${req} (${v[req]})`);
    }
    if (ok("storageBlobSoftDeleteDays", "storagePointInTimeRestoreDays") && v.storagePointInTimeRestoreDays! > 0
        && v.storagePointInTimeRestoreDays! > v.storageBlobSoftDeleteDays! - 1) {
        add("storagePointInTimeRestoreDays", `(${v.storagePointInTimeRestoreDays}) must be at most storageBlobSoftDeleteDays - 1 (${v.storageBlobSoftDeleteDays! - 1})`);
    }
    if (ok("storageCoolAfterDays", "storageColdAfterDays") && v.storageColdAfterDays! > 0 && v.storageCoolAfterDays! > 0
        && v.storageColdAfterDays! <= v.storageCoolAfterDays!) {
        add("storageColdAfterDays", `(${v.storageColdAfterDays}) must be greater than storageCoolAfterDays (${v.storageCoolAfterDays})`);
    }
    if (ok("storageVersionsDeleteAfterDays", "storageBlobSoftDeleteDays", "storageVersionsCoolAfterDays") && v.storageVersionsDeleteAfterDays! > 0) {
        if (v.storageVersionsDeleteAfterDays! <= v.storageBlobSoftDeleteDays!) {
            add("storageVersionsDeleteAfterDays", `(${v.storageVersionsDeleteAfterDays}) must be 0 (keep) or longer than storageBlobSoftDeleteDays (${v.storageBlobSoftDeleteDays})`);
        }
        if (v.storageVersionsCoolAfterDays! >= v.storageVersionsDeleteAfterDays!) {
            add("storageVersionsCoolAfterDays", `(${v.storageVersionsCoolAfterDays}) must be less than storageVersionsDeleteAfterDays (${v.storageVersionsDeleteAfterDays})`);
        }
    }
    if (ok("sshPublicKey") && !SSH_KEY.test(v.sshPublicKey!.trim())) {
        add("sshPublicKey", v.sshPublicKey === "" ? "is required: an OpenSSH public key (ssh-ed25519 ... or ssh-rsa ...)" : "must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-*)");
    }

    const containers: CosmosContainerSpec[] = [];
    if (ok("cosmosContainers")) {
        const seen = new Set<string>();
        (v.cosmosContainers as string[]).forEach((spec, i) => {
            const key = `cosmosContainers[${i}]`;
            const m = COSMOS_CONTAINER.exec(spec);
            if (!m) { add(key, `"${spec.slice(0, 80)}" must look like name:/partitionKey[;ttl=SECONDS][;exclude=/path/*]`); return; }
            const c: CosmosContainerSpec = { name: m[1], partitionKeyPath: m[2], excludedPaths: [] };
            for (const opt of m[3].split(";").filter(Boolean)) {
                const [k, val] = opt.split("=", 2);
                if (k === "ttl" && /^(-1|[1-9]\d{0,9})$/.test(val)) c.defaultTtlSeconds = Number(val);
                else if (k === "exclude" && /^\/[A-Za-z0-9_/]*(\/\*|\/\?)$/.test(val)) c.excludedPaths.push(val);
                else add(key, `option "${opt.slice(0, 40)}" must be ttl=-1|SECONDS or exclude=/path/*`);
            }
            if (seen.has(c.name)) add(key, `duplicate container name "${c.name}"`);
            seen.add(c.name);
            containers.push(c);
        });
    }

    // --- Environment kind: what production requires ------------------------------------------------
    const prod = v.environment === "prod";
    if (prod) {
        const need = (key: ConfigKey, cond: boolean, message: string) => { if (ok(key) && !cond) add(key, `production requires ${message}`); };
        need("zones", JSON.stringify([...(v.zones ?? [])].sort()) === JSON.stringify(["1", "2", "3"]), `zones ["1","2","3"]`);
        need("aksTier", v.aksTier !== "Free", "aksTier Standard or Premium");
        need("aksSystemNodeCount", (v.aksSystemNodeCount ?? 0) >= 3, "aksSystemNodeCount of 3 or more");
        need("aksUserMinCount", (v.aksUserMinCount ?? 0) >= 2, "aksUserMinCount of 2 or more");
        need("aksDisableLocalAccounts", v.aksDisableLocalAccounts === true, "aksDisableLocalAccounts true");
        need("storageSku", v.storageSku === "Standard_GZRS" || v.storageSku === "Standard_RAGZRS", "storageSku Standard_GZRS or Standard_RAGZRS");
        need("storageBlobSoftDeleteDays", (v.storageBlobSoftDeleteDays ?? 0) >= 30, "storageBlobSoftDeleteDays of 30 or more");
        need("storageContainerSoftDeleteDays", (v.storageContainerSoftDeleteDays ?? 0) >= 30, "storageContainerSoftDeleteDays of 30 or more");
        need("storagePointInTimeRestoreDays", (v.storagePointInTimeRestoreDays ?? 0) > 0, "point-in-time restore (storagePointInTimeRestoreDays > 0)");
        need("metadataDiskSku", v.metadataDiskSku === "Premium_ZRS", "metadataDiskSku Premium_ZRS");
        need("etcdReplicas", v.etcdReplicas === 3, "etcdReplicas 3");
        need("pachdReplicas", (v.pachdReplicas ?? 0) >= 2, "pachdReplicas of 2 or more");
        need("cosmosCapacityMode", v.cosmosCapacityMode === "autoscale", "cosmosCapacityMode autoscale (serverless has no zone redundancy or failover)");
        need("cosmosBackupTier", v.cosmosBackupTier === "Continuous30Days", "cosmosBackupTier Continuous30Days");
        need("postgresSkuTier", v.postgresKind !== "azureFlexible" || v.postgresSkuTier !== "Burstable", "postgresSkuTier GeneralPurpose or MemoryOptimized (zone-redundant HA)");
    }
    if (ok("cosmosCapacityMode", "cosmosSecondaryLocation", "location") && v.cosmosSecondaryLocation !== "") {
        if (v.cosmosCapacityMode === "serverless") add("cosmosSecondaryLocation", "serverless accounts are single-region: use cosmosCapacityMode autoscale");
        if (v.cosmosSecondaryLocation === v.location) add("cosmosSecondaryLocation", "must differ from location");
    }
    if (ok("pachydermOidcIssuer", "pachydermOidcClientId", "pachydermOidcClientSecret") && v.pachydermOidcIssuer !== "") {
        if (v.pachydermOidcClientId === "") add("pachydermOidcClientId", "is required when pachydermOidcIssuer is set");
        if (v.pachydermOidcClientSecret === "") add("pachydermOidcClientSecret", "is required when pachydermOidcIssuer is set (pulumi config set --secret)");
    }

    if (problems.length > 0) throw new ConfigValidationError(problems, ctx.project);

    const p = v as Parsed;
    const data = cidrs.subnetData!;
    return {
        project: ctx.project,
        stack: ctx.stack,
        environment: p.environment,
        isProd: prod,
        location: p.location,
        namePrefix: p.namePrefix,
        tags: { environment: p.environment, project: p.namePrefix, owner: p.owner, costCenter: p.costCenter },
        zones: [...p.zones].sort(),
        protection: { protect: prod, locks: prod },
        network: {
            addressSpace: p.vnetAddressSpace,
            subnets: { aks: p.subnetAks, ingress: p.subnetIngress, data: p.subnetData, privateEndpoints: p.subnetPrivateEndpoints, postgres: p.subnetPostgres },
        },
        aks: {
            kubernetesVersion: p.kubernetesVersion,
            tier: p.aksTier,
            supportPlan: p.aksSupportPlan,
            serviceCidr: p.aksServiceCidr,
            dnsServiceIp: p.aksDnsServiceIp,
            podCidr: p.aksPodCidr,
            systemPool: { vmSize: p.aksSystemVmSize, count: p.aksSystemNodeCount },
            userPool: { vmSize: p.aksUserVmSize, minCount: p.aksUserMinCount, maxCount: p.aksUserMaxCount },
            maxPods: p.aksMaxPods,
            osDiskType: p.aksOsDiskType,
            encryptionAtHost: p.aksEncryptionAtHost,
            privateCluster: p.aksPrivateCluster,
            authorizedIpRanges: p.aksAuthorizedIpRanges,
            adminGroupObjectIds: p.aksAdminGroupObjectIds,
            disableLocalAccounts: p.aksDisableLocalAccounts,
            upgradeChannel: p.aksUpgradeChannel,
            maintenance: { dayOfWeek: p.aksMaintenanceDay, startHour: p.aksMaintenanceStartHour, durationHours: 4 },
        },
        storage: {
            sku: p.storageSku,
            authMode: p.storageAuthMode,
            containerName: p.storageContainerName,
            blobSoftDeleteDays: p.storageBlobSoftDeleteDays,
            containerSoftDeleteDays: p.storageContainerSoftDeleteDays,
            pointInTimeRestoreDays: p.storagePointInTimeRestoreDays,
            lifecycle: {
                coolAfterDays: p.storageCoolAfterDays,
                coldAfterDays: p.storageColdAfterDays,
                versionsCoolAfterDays: p.storageVersionsCoolAfterDays,
                versionsDeleteAfterDays: p.storageVersionsDeleteAfterDays,
            },
        },
        metadataStore: {
            kind: p.metadataStoreKind,
            diskSku: p.metadataDiskSku,
            etcdDiskSizeGb: p.etcdDiskSizeGb,
            postgresDiskSizeGb: p.postgresDiskSizeGb,
            gluster: {
                vmSize: p.glusterVmSize,
                brickDiskSizeGb: p.glusterBrickDiskSizeGb,
                volumeName: p.glusterVolumeName,
                // Static addresses at fixed offsets of the data subnet (past Azure's reserved .0-.3).
                nodeIps: [hostAt(data, 4), hostAt(data, 5), hostAt(data, 6)],
                clientIp: hostAt(data, 10),
            },
        },
        postgres: {
            kind: p.postgresKind,
            version: "16",
            skuName: p.postgresSkuName,
            skuTier: p.postgresSkuTier,
            storageSizeGb: p.postgresStorageSizeGb,
            backupRetentionDays: p.postgresBackupRetentionDays,
            geoRedundantBackup: prod,
            highAvailability: prod,
        },
        cosmos: {
            capacityMode: p.cosmosCapacityMode,
            maxThroughput: p.cosmosMaxThroughput,
            databaseName: p.cosmosDatabaseName,
            containers,
            secondaryLocation: p.cosmosSecondaryLocation === "" ? undefined : p.cosmosSecondaryLocation,
            backupTier: p.cosmosBackupTier,
        },
        ingress: {
            vmSize: p.ingressVmSize,
            adminUsername: p.adminUsername,
            sshPublicKey: p.sshPublicKey.trim(),
            adminSourceCidrs: p.ingressAdminSourceCidrs,
            ports: p.ingressPorts,
            idleTimeoutMinutes: p.ingressIdleTimeoutMinutes,
            encryptionAtHost: p.ingressEncryptionAtHost,
        },
        pachyderm: {
            version: p.pachydermVersion,
            namespace: p.pachydermNamespace,
            internalLbIp: p.pachdInternalIp,
            pachdReplicas: p.pachdReplicas,
            etcdReplicas: p.etcdReplicas,
            pachd: { cpuRequest: p.pachdCpuRequest, memoryRequest: p.pachdMemoryRequest, memoryLimit: p.pachdMemoryLimit },
            etcd: { cpuRequest: p.etcdCpuRequest, memoryRequest: p.etcdMemoryRequest, memoryLimit: p.etcdMemoryLimit },
            console: p.pachydermConsole,
            oidc: p.pachydermOidcIssuer === "" ? undefined : {
                issuer: p.pachydermOidcIssuer,
                clientId: p.pachydermOidcClientId,
                clientSecret: pulumi.secret(p.pachydermOidcClientSecret),
            },
            etcdBackupSchedule: p.etcdBackupSchedule,
        },
        cost: { dataTb: p.costDataTb },
        warnings,
    };
}

/**
 * The raw values of this project's namespace as the engine passes them to the program (Pulumi.yaml
 * defaults merged with the stack file), keys without the `<project>:` prefix.
 */
export function rawConfigFromEngine(project: string): Record<string, unknown> {
    const prefix = `${project}:`;
    return Object.fromEntries(
        Object.entries(pulumi.runtime.allConfig())
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
}
