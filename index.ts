import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Cluster, deployerPrincipalType, SPOT_TAINT } from "./components/cluster";
import { LabMetadataDb } from "./components/labMetadataDb";
import { GlusterVolumes } from "./components/glusterVolumes";
import { IngressVm } from "./components/ingressVm";
import { ManagedDiskVolumes, PachydermVolumes } from "./components/pachydermVolumes";
import { Network } from "./components/network";
import { Pachyderm } from "./components/pachyderm";
import { pachdLoadBalancerPorts } from "./components/pachyderm/names";
import { PostgresFlexibleServer } from "./components/postgresFlexibleServer";
import { Storage } from "./components/storage";
import { Cidr, hostAt, parseCidr } from "./lib/cidr";
import { configFromEngine, parseConfig } from "./lib/config";
import { standardTags } from "./lib/naming";

// Composition root: read and validate config (nothing is declared when it is bad), build the
// components, export the outputs contract (contracts/outputs.schema.json).
const project = pulumi.getProject();
const engineConfig = configFromEngine(project);
const cfg = parseConfig(engineConfig.raw, { project, stack: pulumi.getStack(), secretKeys: engineConfig.secretKeys });
for (const warning of cfg.warnings) pulumi.log.warn(warning);
const names = { prefix: cfg.namePrefix, stack: cfg.stack, location: cfg.location };
const tags = standardTags(cfg.tags);
const guard = { protect: cfg.protection.protect, lock: cfg.protection.locks };
const subnets = cfg.network.subnets;
const ingressVmIp = hostAt(parseCidr(subnets.ingress) as Cidr, 4);
const postgresInCluster = cfg.postgres.kind === "inCluster";

const net = new Network("network", {
    names,
    location: cfg.location,
    tags,
    addressSpace: cfg.network.addressSpace,
    subnets,
    ingress: { vmPrivateIp: ingressVmIp, ports: cfg.ingress.ports, adminSourceCidrs: cfg.ingress.adminSourceCidrs },
    pachdInternalIp: cfg.pachyderm.internalLbIp,
    pachdPorts: pachdLoadBalancerPorts(cfg.pachyderm.oidc !== undefined).map((p) => p.service),
    protect: guard.protect,
});
// The azure-native provider's own settings: how it signs in decides the deployer's principal type.
const azureNative = new pulumi.Config("azure-native");
const common = { names, resourceGroupName: net.resourceGroupName, location: cfg.location, tags, zones: cfg.zones };

const cluster = new Cluster("cluster", {
    ...common,
    kubernetesVersion: cfg.aks.kubernetesVersion,
    tier: cfg.aks.tier,
    supportPlan: cfg.aks.supportPlan,
    resourceGroupId: net.resourceGroup.id,
    nodeSubnetId: net.subnetIds.aks,
    // Whoever runs `pulumi up` applies the Kubernetes objects: it gets AKS RBAC Cluster Admin.
    deployerObjectId: authorization.getClientConfigOutput().objectId,
    deployerPrincipalType: deployerPrincipalType({
        clientId: process.env.ARM_CLIENT_ID ?? azureNative.get("clientId"),
        useMsi: process.env.ARM_USE_MSI ?? azureNative.get("useMsi"),
        useOidc: process.env.ARM_USE_OIDC ?? azureNative.get("useOidc"),
    }),
    network: { serviceCidr: cfg.aks.serviceCidr, dnsServiceIp: cfg.aks.dnsServiceIp, podCidr: cfg.aks.podCidr },
    systemPool: {
        ...cfg.aks.systemPool,
        osDiskType: cfg.aks.osDiskType,
        encryptionAtHost: cfg.aks.encryptionAtHost,
        maxPods: cfg.aks.maxPods,
    },
    userPool: { ...cfg.aks.userPool, osDiskType: cfg.aks.osDiskType, encryptionAtHost: cfg.aks.encryptionAtHost, maxPods: cfg.aks.maxPods },
    apiServer: { privateCluster: cfg.aks.privateCluster, authorizedIpRanges: cfg.aks.authorizedIpRanges },
    adminGroupObjectIds: cfg.aks.adminGroupObjectIds,
    disableLocalAccounts: cfg.aks.disableLocalAccounts,
    upgradeChannel: cfg.aks.upgradeChannel,
    maintenance: cfg.aks.maintenance,
    logRetentionDays: cfg.isProd ? 90 : 30,
    monitoring: cfg.monitoring,
});
const k8sOpts = { providers: { kubernetes: cluster.provider } };
// Resource logs of every component go to the cluster's Log Analytics workspace (AVM's RMFR4).
const diagnostics = { workspaceId: cluster.workspaceId };
net.sendDiagnosticsTo(diagnostics);

const ingressVm = new IngressVm("ingress", {
    ...common,
    subnetId: net.subnetIds.ingress,
    vmPrivateIp: ingressVmIp,
    vmSize: cfg.ingress.vmSize,
    adminUsername: cfg.ingress.adminUsername,
    sshPublicKey: cfg.ingress.sshPublicKey,
    adminSourceCidrs: cfg.ingress.adminSourceCidrs,
    ports: cfg.ingress.ports,
    idleTimeoutMinutes: cfg.ingress.idleTimeoutMinutes,
    encryptionAtHost: cfg.ingress.encryptionAtHost,
    pachydermVersion: cfg.pachyderm.version,
    pachdInternalIp: cfg.pachyderm.internalLbIp,
    // GlusterFS VMs egress (apt) through the same single public IP.
    extraOutboundBackendPool: cfg.metadataStore.kind === "glusterfs",
    diagnostics,
    shutdown: cfg.ingress.shutdown,
});

const storage = new Storage("storage", {
    ...common,
    ...guard,
    sku: cfg.storage.sku,
    authMode: cfg.storage.authMode,
    containerName: cfg.storage.containerName,
    blobSoftDeleteDays: cfg.storage.blobSoftDeleteDays,
    containerSoftDeleteDays: cfg.storage.containerSoftDeleteDays,
    pointInTimeRestoreDays: cfg.storage.pointInTimeRestoreDays,
    lifecycle: cfg.storage.lifecycle,
    vnetId: net.vnet.id,
    privateEndpointSubnetId: net.subnetIds.privateEndpoints,
    namespace: cfg.pachyderm.namespace,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    diagnostics,
});

const labMetadata = new LabMetadataDb("cosmos", {
    ...common,
    ...guard,
    capacityMode: cfg.cosmos.capacityMode,
    maxThroughput: cfg.cosmos.maxThroughput,
    databaseName: cfg.cosmos.databaseName,
    containers: cfg.cosmos.containers,
    secondaryLocation: cfg.cosmos.secondaryLocation,
    backupTier: cfg.cosmos.backupTier,
    vnetId: net.vnet.id,
    privateEndpointSubnetId: net.subnetIds.privateEndpoints,
    diagnostics,
});

// Who may touch which data, in one place (data-plane roles, each scoped to the data it names).
// pachd, the workers and the etcd backup read and write the object store through workload identity.
const objectStoreAccess =
    storage.identityPrincipalId === undefined
        ? []
        : [
              storage.grantBlobDataContributor({
                  principalId: storage.identityPrincipalId,
                  description: "Pachyderm (pachd, workers, etcd backup) reads and writes its object store",
              }),
          ];
// The uploaders on the ingress VM write the lab's metadata.
labMetadata.grantDataContributor({ principalId: ingressVm.identityPrincipalId });

// Each component's logical name ("ingress", "cosmos", "metadata", "postgres") is part of its resources' URNs:
// the names stay as first deployed, whatever the classes are called now.
const volumesCommon = {
    ...common,
    ...guard,
    namespace: cfg.pachyderm.namespace,
    etcdReplicas: cfg.pachyderm.etcdReplicas,
    etcdDiskSizeGb: cfg.metadataStore.etcdDiskSizeGb,
    postgresInCluster,
    postgresDiskSizeGb: cfg.metadataStore.postgresDiskSizeGb,
};
const volumes: PachydermVolumes =
    cfg.metadataStore.kind === "managedDisk"
        ? new ManagedDiskVolumes(
              "metadata",
              {
                  ...volumesCommon,
                  diskSku: cfg.metadataStore.diskSku,
                  clusterPrincipalId: cluster.principalId,
              },
              k8sOpts,
          )
        : new GlusterVolumes(
              "metadata",
              {
                  ...volumesCommon,
                  subnetId: net.subnetIds.data,
                  nodeIps: cfg.metadataStore.gluster.nodeIps,
                  clientIp: cfg.metadataStore.gluster.clientIp,
                  vmSize: cfg.metadataStore.gluster.vmSize,
                  brickDiskSizeGb: cfg.metadataStore.gluster.brickDiskSizeGb,
                  volumeName: cfg.metadataStore.gluster.volumeName,
                  adminUsername: cfg.ingress.adminUsername,
                  sshPublicKey: cfg.ingress.sshPublicKey,
                  outboundBackendPoolId: ingressVm.outboundDataPoolId,
                  diagnostics,
              },
              k8sOpts,
          );

const postgres = postgresInCluster
    ? undefined
    : new PostgresFlexibleServer("postgres", {
          ...common,
          ...guard,
          version: cfg.postgres.version,
          skuName: cfg.postgres.skuName,
          skuTier: cfg.postgres.skuTier,
          storageSizeGb: cfg.postgres.storageSizeGb,
          backupRetentionDays: cfg.postgres.backupRetentionDays,
          geoRedundantBackup: cfg.postgres.geoRedundantBackup,
          highAvailability: cfg.postgres.highAvailability,
          delegatedSubnetId: net.subnetIds.postgres,
          vnetId: net.vnet.id,
          diagnostics,
      });
// In-cluster PostgreSQL gets a generated password too; it never appears in config.
const postgresPassword =
    postgres?.password ?? new random.RandomPassword("postgres-incluster-password", { length: 32, special: false }).result;

const pachyderm = new Pachyderm(
    "pachyderm",
    {
        namespace: cfg.pachyderm.namespace,
        version: cfg.pachyderm.version,
        environmentKind: cfg.environment,
        zones: cfg.zones,
        storage: {
            accountName: storage.accountName,
            containerName: storage.containerName,
            blobEndpoint: storage.blobEndpoint,
            authMode: cfg.storage.authMode,
            accountKey: storage.accountKey,
            identityClientId: storage.identityClientId,
            privateEndpointsCidr: subnets.privateEndpoints,
        },
        volumes: {
            kind: volumes.kind,
            etcdVolumeNames: volumes.etcdVolumeNames,
            etcdSizeGi: cfg.metadataStore.etcdDiskSizeGb,
            postgresVolumeName: volumes.postgresVolumeName,
            postgresSizeGi: cfg.metadataStore.postgresDiskSizeGb,
            dependsOn: volumes.persistentVolumes,
        },
        postgres: {
            kind: cfg.postgres.kind,
            host: postgres?.host,
            user: postgres?.user ?? "pachyderm",
            password: postgresPassword,
            subnetCidr: postgres ? subnets.postgres : undefined,
        },
        network: {
            ingressSubnetCidr: subnets.ingress,
            aksSubnetCidr: subnets.aks,
            // The AKS API server's address is not known before it exists: HTTPS egress is allowed broadly (docs/pachyderm.md).
            apiServerCidrs: ["0.0.0.0/0"],
        },
        pachd: {
            replicas: cfg.pachyderm.pachdReplicas,
            internalLbIp: cfg.pachyderm.internalLbIp,
            idleTimeoutMinutes: cfg.ingress.idleTimeoutMinutes,
            resources: cfg.pachyderm.pachd,
        },
        etcd: { replicas: cfg.pachyderm.etcdReplicas, resources: cfg.pachyderm.etcd, backupSchedule: cfg.pachyderm.etcdBackupSchedule },
        console: cfg.pachyderm.console,
        // Pipeline workers, and only they, may run on the Spot pool (policy rule aks-spot-workers-only). No node
        // selector: pps SchedulingSpec has only a hard one, which would stall pipelines whenever Spot capacity is short.
        workerTolerations: cfg.aks.userPool.spot ? [{ ...SPOT_TAINT, operator: "Equal" }] : [],
        oidc: cfg.pachyderm.oidc,
        // pachd restart-loops without its container (pachyderm#4619) and needs its data-plane role first.
        dependsOn: [storage.container, ...storage.federatedCredentials, ...objectStoreAccess],
    },
    k8sOpts,
);

export const contractVersion = "1.0.0";
export const resourceGroupName = net.resourceGroupName;
export const location = cfg.location;
export const vnetId = net.vnet.id;
export const subnetIds = net.subnetIds;
export const clusterName = cluster.clusterName;
export const clusterId = cluster.clusterId;
export const oidcIssuerUrl = cluster.oidcIssuerUrl;
export const kubeconfig = cluster.kubeconfig;
export const pachdGrpcAddress = pachyderm.grpcAddress;
export const pachdS3Endpoint = pachyderm.s3Endpoint;
export const pachydermVersion = pachyderm.version;
export const pachctlConnectCommand = pachyderm.pachctlConnectCommand;
export const storageAccountName = storage.accountName;
export const storageContainerName = storage.containerName;
export const storageUrl = storage.storageUrl;
export const blobEndpoint = storage.blobEndpoint;
export const cosmosAccountName = labMetadata.accountName;
export const cosmosEndpoint = labMetadata.endpoint;
export const cosmosDatabaseName = labMetadata.databaseName;
export const cosmosContainerNames = labMetadata.containerNames;
export const ingressPublicIp = ingressVm.publicIp;
export const ingressFqdn = ingressVm.fqdn;
export const ingressSshCommand = ingressVm.sshCommand;
export const metadataStoreKind = volumes.kind;
export const metadataStoreAddress = volumes.address ?? null;
export const postgresHost = postgres?.host ?? pulumi.interpolate`postgres.${cfg.pachyderm.namespace}.svc.cluster.local`;
