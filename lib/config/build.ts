import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Cidr, hostAt, parseCidr } from "../cidr";
import { Fields, FIELD_SCHEMAS, ProdWaiver } from "./schema";

/** What the typed config carries besides the keys' values. */
export interface BuildContext {
    project: string;
    stack: string;
    warnings: string[];
    /** The waivers in force (prod only), with their reasons. */
    waivers: { name: ProdWaiver; reason: string }[];
}

const network = (p: Fields) => ({
    addressSpace: p.vnetAddressSpace,
    subnets: {
        aks: p.subnetAks,
        ingress: p.subnetIngress,
        data: p.subnetData,
        privateEndpoints: p.subnetPrivateEndpoints,
        postgres: p.subnetPostgres,
    },
});

const aks = (p: Fields) => ({
    kubernetesVersion: p.kubernetesVersion,
    tier: p.aksTier,
    supportPlan: p.aksSupportPlan,
    serviceCidr: p.aksServiceCidr,
    dnsServiceIp: p.aksDnsServiceIp,
    podCidr: p.aksPodCidr,
    /** `criticalAddonsOnly` false lets Pachyderm's control plane run on the system nodes (the dev profile). */
    systemPool: { vmSize: p.aksSystemVmSize, count: p.aksSystemNodeCount, criticalAddonsOnly: p.aksSystemCriticalAddonsOnly },
    /** `spot`: the pool runs on Spot VMs, for pipeline workers only (components/cluster.ts). */
    userPool: { vmSize: p.aksUserVmSize, minCount: p.aksUserMinCount, maxCount: p.aksUserMaxCount, spot: p.aksUserSpot },
    maxPods: p.aksMaxPods,
    osDiskType: p.aksOsDiskType,
    encryptionAtHost: p.aksEncryptionAtHost,
    privateCluster: p.aksPrivateCluster,
    authorizedIpRanges: p.aksAuthorizedIpRanges,
    adminGroupObjectIds: p.aksAdminGroupObjectIds,
    disableLocalAccounts: p.aksDisableLocalAccounts,
    upgradeChannel: p.aksUpgradeChannel,
    maintenance: { dayOfWeek: p.aksMaintenanceDay, startHour: p.aksMaintenanceStartHour, durationHours: 4 },
});

const storage = (p: Fields) => ({
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
});

const metadataStore = (p: Fields) => {
    const data = parseCidr(p.subnetData) as Cidr;
    return {
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
    };
};

const databases = (p: Fields, prod: boolean) => ({
    postgres: {
        kind: p.postgresKind,
        version: "16" as const,
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
        containers: p.cosmosContainers,
        secondaryLocation: p.cosmosSecondaryLocation === "" ? undefined : p.cosmosSecondaryLocation,
        backupTier: p.cosmosBackupTier,
    },
});

const ingress = (p: Fields) => ({
    vmSize: p.ingressVmSize,
    adminUsername: p.adminUsername,
    sshPublicKey: p.sshPublicKey.trim(),
    adminSourceCidrs: p.ingressAdminSourceCidrs,
    ports: p.ingressPorts,
    idleTimeoutMinutes: p.ingressIdleTimeoutMinutes,
    encryptionAtHost: p.ingressEncryptionAtHost,
    /** Daily stop of the ingress VM (HHMM in `timeZone`); undefined = always on. */
    shutdown: p.ingressShutdownTime === "" ? undefined : { time: p.ingressShutdownTime, timeZone: p.ingressShutdownTimeZone },
});

const pachyderm = (p: Fields) => ({
    version: p.pachydermVersion,
    namespace: p.pachydermNamespace,
    internalLbIp: p.pachdInternalIp,
    pachdReplicas: p.pachdReplicas,
    etcdReplicas: p.etcdReplicas,
    pachd: { cpuRequest: p.pachdCpuRequest, memoryRequest: p.pachdMemoryRequest, memoryLimit: p.pachdMemoryLimit },
    etcd: { cpuRequest: p.etcdCpuRequest, memoryRequest: p.etcdMemoryRequest, memoryLimit: p.etcdMemoryLimit },
    console: p.pachydermConsole,
    oidc:
        p.pachydermOidcIssuer === ""
            ? undefined
            : {
                  issuer: p.pachydermOidcIssuer,
                  clientId: p.pachydermOidcClientId,
                  clientSecret: pulumi.secret(p.pachydermOidcClientSecret),
              },
    etcdBackupSchedule: p.etcdBackupSchedule,
});

/** The schema of the whole typed config: every key's schema, then the typed shape the program uses. */
export function platformConfigSchema(ctx: BuildContext) {
    return z.object(FIELD_SCHEMAS).transform((p) => {
        const prod = p.environment === "prod";
        return {
            project: ctx.project,
            stack: ctx.stack,
            environment: p.environment,
            isProd: prod,
            location: p.location,
            namePrefix: p.namePrefix,
            tags: { environment: p.environment, project: p.namePrefix, owner: p.owner, costCenter: p.costCenter },
            zones: [...p.zones].sort(),
            /** Derived from the environment: prod protects stateful resources and adds management locks. */
            protection: { protect: prod, locks: prod },
            network: network(p),
            aks: aks(p),
            /** Log Analytics daily cap in GB (0 = none); Container Insights `full` (every stream) or `operator`. */
            monitoring: { dailyCapGb: p.logDailyCapGb, containerInsights: p.containerInsightsProfile },
            storage: storage(p),
            metadataStore: metadataStore(p),
            ...databases(p, prod),
            ingress: ingress(p),
            pachyderm: pachyderm(p),
            cost: { dataTb: p.costDataTb },
            /** Shown by the plan; they do not stop it (an AKS minor close to its end of life, example sources in dev). */
            warnings: ctx.warnings,
            /** prod's baseline waivers in force, with their reasons. */
            waivers: ctx.waivers,
        };
    });
}

export type PlatformConfig = z.output<ReturnType<typeof platformConfigSchema>>;
