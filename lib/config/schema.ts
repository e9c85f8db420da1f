import { z } from "zod";
import { RESERVED_USERNAMES } from "../cloudinit/ingress";
import PINNED_PACHCTL from "../cloudinit/pachctl.json";
import { parseQuantity } from "./quantity";

/**
 * One zod schema per configuration key (keys without the `<project>:` namespace). The Pulumi engine
 * passes every value as a string (arrays and objects as JSON); tests may pass real types: the
 * preprocessors accept both. Cross-field rules live in the sibling check modules.
 */

/** Regions with three availability zones (https://learn.microsoft.com/azure/reliability/availability-zones-region-support). */
export const ZONE_REDUNDANT_REGIONS = [
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "koreacentral",
    "mexicocentral",
    "newzealandnorth",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus2",
    "westus3",
] as const;

/** Frontend port of the ingress load balancer's SSH NAT rule (to port 22 of the VM). */
export const SSH_NAT_FRONTEND_PORT = 50022;

/**
 * Settings that lower prod below its baseline; each needs a named waiver with a reason in `prodWaivers`.
 * `placeholder-source-ranges` lets a template stack keep documentation ranges (RFC 5737) as its sources.
 */
export const PROD_WAIVERS = [
    "postgres-in-cluster",
    "storage-shared-key",
    "no-encryption-at-host",
    "cosmos-single-region",
    "placeholder-source-ranges",
] as const;
export type ProdWaiver = (typeof PROD_WAIVERS)[number];

const fromString = (parse: (s: string) => unknown) => (v: unknown) => (typeof v === "string" ? parse(v) : v);
const json = fromString((s) => {
    try {
        return JSON.parse(s);
    } catch {
        return s;
    }
});
const int = (min: number, max: number) =>
    z.preprocess(
        fromString((s) => (/^-?\d+$/.test(s.trim()) ? Number(s) : s)),
        z.number().int().min(min).max(max),
    );
const bool = z.preprocess(
    fromString((s) => (s === "true" ? true : s === "false" ? false : s)),
    z.boolean(),
);
const jsonArray = <T extends z.ZodTypeAny>(item: T, max = 64) => z.preprocess(json, z.array(item).max(max));
const oneLine = (max: number) =>
    z
        .string()
        .max(max)
        .regex(/^[^\r\n\0]*$/, "must be a single line");
const token = (re: RegExp, what: string) => z.string().regex(re, what);
const isUnique = (a: unknown[]) => new Set(a).size === a.length;

const VM_SIZE = token(/^Standard_[A-Za-z0-9_]{2,40}$/, "must be an Azure VM size such as Standard_D4ds_v5");
const GUID = token(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a GUID");
const CIDR_TEXT = z.string().max(18);
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

/** A CPU quantity of at least `minMilli` millicores (the API server's precision is 1m). */
const cpu = (minMilli: number, why: string) =>
    z.string().superRefine((s, ctx) => {
        const q = parseQuantity(s);
        if (typeof q === "string") ctx.addIssue({ code: "custom", message: q });
        else if (q.value * 1000 < minMilli) ctx.addIssue({ code: "custom", message: `must be at least ${minMilli}m: ${why}` });
    });

/** A memory quantity in whole bytes of at least `min` bytes (`minText` for the message). */
const memory = (min: number, minText: string, why: string) =>
    z.string().superRefine((s, ctx) => {
        const q = parseQuantity(s);
        if (typeof q === "string") ctx.addIssue({ code: "custom", message: q });
        else if (q.milli || !Number.isInteger(q.value))
            ctx.addIssue({ code: "custom", message: 'must be whole bytes ("m" is milli: 1m is a thousandth of a byte; use Mi or Gi)' });
        else if (q.value < min) ctx.addIssue({ code: "custom", message: `must be at least ${minText}: ${why}` });
    });

const MI = 2 ** 20;
const GI = 2 ** 30;
// pachd buffers up to 1 GB of file data before spilling (DefaultMemoryThreshold in src/internal/storage/fileset/storage.go)
// and caches up to 100 chunks (STORAGE_MEMORY_CACHE_SIZE default, src/internal/pachconfig/config.go) of up to 20 MB
// (DefaultMaxChunkSize, src/internal/storage/chunk/chunker.go), all at github:pachyderm/pachyderm@2.12.x.
const PACHD_MEMORY_WHY =
    "pachd buffers up to 1 GB of file data before spilling to object storage (fileset DefaultMemoryThreshold, Pachyderm 2.12)";
// The etcd and CPU floors are this project's, not a sizing guide: they catch unit slips (512 bytes, 1Mi, 1m).
const ETCD_MEMORY_WHY = "a floor that catches unit slips (etcd keeps its keyspace and index in memory)";

/** The cosmos container spec `name:/partitionKey[;ttl=SECONDS][;exclude=/path/*]`, parsed. */
const COSMOS_CONTAINER = /^([A-Za-z][A-Za-z0-9_-]{0,62}):(\/[A-Za-z0-9_]{1,64}(?:\/[A-Za-z0-9_]{1,64}){0,2})((?:;[a-z]+=[^;]*)*)$/;
const cosmosContainer = oneLine(300).transform((spec, ctx) => {
    const [, name, partitionKeyPath, options = ""] = COSMOS_CONTAINER.exec(spec) ?? [];
    if (name === undefined || partitionKeyPath === undefined) {
        ctx.addIssue({
            code: "custom",
            message: `"${spec.slice(0, 80)}" must look like name:/partitionKey[;ttl=SECONDS][;exclude=/path/*]`,
        });
        return z.NEVER;
    }
    const c: { name: string; partitionKeyPath: string; defaultTtlSeconds?: number; excludedPaths: string[] } = {
        name,
        partitionKeyPath,
        excludedPaths: [],
    };
    for (const opt of options.split(";").filter(Boolean)) {
        const [k, val = ""] = opt.split("=", 2);
        if (k === "ttl" && /^(-1|[1-9]\d{0,9})$/.test(val)) c.defaultTtlSeconds = Number(val);
        else if (k === "exclude" && /^\/[A-Za-z0-9_/]*(\/\*|\/\?)$/.test(val)) c.excludedPaths.push(val);
        else ctx.addIssue({ code: "custom", message: `option "${opt.slice(0, 40)}" must be ttl=-1|SECONDS or exclude=/path/*` });
    }
    return c;
});

export const FIELD_SCHEMAS = {
    environment: z.enum(["dev", "prod"], { message: "must be dev or prod (every stack states it: there is no default)" }),
    prodWaivers: z.preprocess(
        json,
        z.partialRecord(
            z.enum(PROD_WAIVERS, { message: `must name a known waiver: ${PROD_WAIVERS.join(", ")}` }),
            oneLine(300).refine((r) => r.trim().length >= 10, "must give the reason for the waiver (10 characters or more)"),
        ),
    ),
    location: z.enum(ZONE_REDUNDANT_REGIONS, {
        message: `must be a region with 3 availability zones: ${ZONE_REDUNDANT_REGIONS.join(", ")}`,
    }),
    namePrefix: token(/^[a-z][a-z0-9]{2,9}$/, "must be 3-10 lowercase letters or digits, starting with a letter"),
    owner: token(/^[A-Za-z0-9 ._@-]{1,64}$/, "must be 1-64 letters, digits, spaces or . _ @ -"),
    costCenter: token(/^[A-Za-z0-9 ._-]{1,64}$/, "must be 1-64 letters, digits, spaces or . _ -"),
    zones: jsonArray(z.enum(["1", "2", "3"]), 3).refine(isUnique, "has duplicate zones"),
    vnetAddressSpace: CIDR_TEXT,
    subnetAks: CIDR_TEXT,
    subnetIngress: CIDR_TEXT,
    subnetData: CIDR_TEXT,
    subnetPrivateEndpoints: CIDR_TEXT,
    subnetPostgres: CIDR_TEXT,
    kubernetesVersion: token(/^1\.\d{2}(\.\d{1,2})?$/, "must be MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.36"),
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
    aksSystemCriticalAddonsOnly: bool,
    aksUserSpot: bool,
    logDailyCapGb: z.preprocess(
        fromString((s) => (/^\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : s)),
        z.number().min(0).max(10000),
    ),
    containerInsightsProfile: z.enum(["full", "operator"]),
    aksMaxPods: int(30, 250),
    aksOsDiskType: z.enum(["Ephemeral", "Managed"]),
    aksEncryptionAtHost: bool,
    aksPrivateCluster: bool,
    aksAuthorizedIpRanges: jsonArray(CIDR_TEXT, 200),
    aksAdminGroupObjectIds: jsonArray(GUID, 20).refine(isUnique, "has duplicate group ids"),
    aksDisableLocalAccounts: bool,
    aksUpgradeChannel: z.enum(["none", "patch", "stable", "rapid", "node-image"]),
    aksMaintenanceDay: z.enum(DAYS),
    aksMaintenanceStartHour: int(0, 23),
    storageSku: z.enum(["Standard_LRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"]),
    storageAuthMode: z.enum(["workloadIdentity", "sharedKey"]),
    storageContainerName: token(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, "must be 3-63 lowercase letters, digits and single hyphens"),
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
    glusterVolumeName: token(/^[a-z][a-z0-9-]{1,30}$/, "must be 2-31 lowercase letters, digits or hyphens, starting with a letter"),
    postgresKind: z.enum(["inCluster", "azureFlexible"]),
    postgresSkuName: token(/^Standard_[A-Za-z0-9_]{2,40}$/, "must be a Flexible Server SKU such as Standard_D2ds_v5"),
    postgresSkuTier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"]),
    postgresStorageSizeGb: int(32, 16384),
    postgresBackupRetentionDays: int(14, 35),
    cosmosCapacityMode: z.enum(["serverless", "autoscale"]),
    cosmosMaxThroughput: int(1000, 1000000).refine((n) => n % 1000 === 0, "must be a multiple of 1000"),
    cosmosDatabaseName: token(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "must be 1-63 letters, digits, _ or -, starting with a letter"),
    cosmosContainers: jsonArray(cosmosContainer, 25)
        .refine((a) => a.length > 0, "must list at least one container")
        .refine((a) => new Set(a.map((c) => c.name)).size === a.length, "has duplicate container names"),
    cosmosSecondaryLocation: z.union([z.literal(""), z.enum(ZONE_REDUNDANT_REGIONS)], {
        message: 'must be "" or a region with 3 availability zones',
    }),
    cosmosBackupTier: z.enum(["Continuous7Days", "Continuous30Days"]),
    ingressVmSize: VM_SIZE,
    // Linux user names (useradd: lowercase, 1-32) that are neither refused by the Compute API nor an Ubuntu system
    // account (the list the ingress cloud-init renderer enforces), nor azureuser, which every scanner tries.
    adminUsername: token(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name (lowercase, 1-32 chars)").refine(
        (u) => !RESERVED_USERNAMES.has(u) && u !== "azureuser",
        "is reserved: Azure refuses it for VMs, or it is an Ubuntu system account (or azureuser, which every scanner tries)",
    ),
    sshPublicKey: z.string().max(16384),
    ingressAdminSourceCidrs: jsonArray(CIDR_TEXT, 20),
    ingressPorts: jsonArray(
        z.preprocess(
            fromString((s) => Number(s)),
            z.number().int().min(1).max(65535),
        ),
        10,
    )
        .refine((a) => a.length > 0, "must list at least one port")
        .refine(isUnique, "has duplicate ports")
        .refine(
            (a) => !a.includes(22) && !a.includes(3389),
            "must not expose 22 or 3389 (SSH goes through the NAT rule for ingressAdminSourceCidrs)",
        ),
    // The same value is the pachd-lb internal load balancer's service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout,
    // which takes 4-30 (https://learn.microsoft.com/azure/aks/load-balancer-standard, annotations table).
    ingressIdleTimeoutMinutes: int(4, 30),
    ingressEncryptionAtHost: bool,
    ingressShutdownTime: token(/^$|^([01]\d|2[0-3])[0-5]\d$/, "must be empty (no shutdown) or a time of day HHMM such as 1900"),
    // A Windows time zone id (the DevTestLab schedule's timeZoneId), e.g. "W. Europe Standard Time".
    ingressShutdownTimeZone: token(
        /^[A-Za-z][A-Za-z0-9 .()+-]{1,63}$/,
        "must be a Windows time zone id such as UTC or W. Europe Standard Time",
    ),
    pachydermVersion: token(/^2\.12\.\d{1,2}$/, "must be a Pachyderm 2.12.x release such as 2.12.2").refine(
        (v) => v === PINNED_PACHCTL.version,
        `must be a release whose pachctl checksum is pinned in lib/cloudinit/pachctl.json (${PINNED_PACHCTL.version})`,
    ),
    pachydermNamespace: token(
        /^(?!kube-|default$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a DNS-1123 label other than default and kube-*",
    ),
    pachdInternalIp: z.string().max(15),
    pachdReplicas: int(1, 10),
    etcdReplicas: z.preprocess(
        fromString((s) => Number(s)),
        z.union([z.literal(1), z.literal(3)], { message: "must be 1 or 3" }),
    ),
    pachdCpuRequest: cpu(100, "a floor that catches unit slips such as 1m"),
    pachdMemoryRequest: memory(GI, "1Gi", PACHD_MEMORY_WHY),
    pachdMemoryLimit: memory(2 * GI, "2Gi", `${PACHD_MEMORY_WHY}, plus a chunk cache of up to 100 chunks`),
    etcdCpuRequest: cpu(100, "a floor that catches unit slips such as 1m"),
    etcdMemoryRequest: memory(256 * MI, "256Mi", ETCD_MEMORY_WHY),
    etcdMemoryLimit: memory(512 * MI, "512Mi", ETCD_MEMORY_WHY),
    pachydermConsole: bool,
    pachydermOidcIssuer: z.union([z.literal(""), z.url({ protocol: /^https$/ }).max(300)], { message: 'must be "" or an https URL' }),
    pachydermOidcClientId: token(/^[A-Za-z0-9._:-]{0,128}$/, "must be letters, digits or . _ : -"),
    pachydermOidcClientSecret: z.string().max(512),
    etcdBackupSchedule: token(/^(\S+\s+){4}\S+$/, "must be a 5-field cron expression").refine(
        (s) => /^[0-9*/,\- ]+$/.test(s),
        "may contain only digits, * / , - and spaces",
    ),
    costDataTb: int(0, 100000),
} as const;

export type ConfigKey = keyof typeof FIELD_SCHEMAS;
export const CONFIG_KEYS = Object.keys(FIELD_SCHEMAS) as ConfigKey[];
/** Every key's value after its own schema (before cross-field checks). */
export type Fields = { [K in ConfigKey]: z.output<(typeof FIELD_SCHEMAS)[K]> };

/** Keys whose values are secrets: they must arrive as Pulumi secrets, are wrapped with `pulumi.secret` and never echoed. */
export const SECRET_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(["pachydermOidcClientSecret"]);
