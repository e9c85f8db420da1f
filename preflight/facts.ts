import { PlatformConfig } from "../lib/config";
import { globalName, NameContext, resourceName, storageAccountName } from "../lib/naming";
import { NODE_POOL_MAX_SURGE, surgeNodes } from "../lib/nodePools";

/**
 * What the program would create for a stack, as far as preflight needs it: derived from the parsed
 * config with the same naming functions the components use (tests/preflight/facts.test.ts checks
 * every fact against the offline plan of every stack).
 */

/** VMs of one size and the config key that sets the size. */
export interface VmDemand {
    /** e.g. "AKS user pool" */
    role: string;
    vmSize: string;
    /** The config key that chooses the size. */
    sizeKey: string;
    /** Nodes on the first deployment (pool minimum). */
    initialCount: number;
    /** Nodes at the most: pool maximum plus upgrade surge. */
    peakCount: number;
    /** How `peakCount` was reached, for the report. */
    peakWhy: string;
    /** Zones the VMs are placed in ([] = regional). */
    zones: string[];
    encryptionAtHost: boolean;
    ephemeralOsDisk: boolean;
}

export interface DeploymentFacts {
    location: string;
    zones: string[];
    resourceGroup: string;
    kubernetesVersion: string;
    /** MAJOR.MINOR of the AKS version. */
    kubernetesMinor: string;
    /** Long-term support: Premium tier and the AKSLongTermSupport plan (lib/config.ts). */
    aksLongTermSupport: boolean;
    vms: VmDemand[];
    /** Resource providers the program's resources belong to. */
    providers: string[];
    /** Preview features that must be registered. */
    features: { namespace: string; name: string; why: string }[];
    storageAccountName: string;
    cosmosAccountName: string;
    /** DNS label of the ingress public IP (`<label>.<region>.cloudapp.azure.com`) and the IP's resource name. */
    dnsLabel: string;
    publicIpName: string;
    postgresServerName?: string;
    /** Private DNS zones the program creates in the resource group. */
    privateDnsZones: string[];
    /** Prefix of the management locks the program creates (`lock-<prefix>-<stack>-`). */
    lockPrefix: string;
    cosmosLocations: string[];
    /** Cosmos DB locations are zone-redundant (components/labMetadataDb.ts: zones in use and not serverless). */
    cosmosZoneRedundant: boolean;
}

/** Number of GlusterFS servers (components/glusterVolumes.ts GLUSTER_NODE_COUNT; checked against the plan). */
const GLUSTER_VM_COUNT = 3;

/** The VMs of the stack, each with the quota it needs on the first deployment and at its peak. */
function vmDemands(cfg: PlatformConfig): VmDemand[] {
    const aksPool = (role: string, sizeKey: string, vmSize: string, initial: number, max: number, countKeys: string): VmDemand => {
        const surge = surgeNodes(NODE_POOL_MAX_SURGE, max);
        return {
            role,
            vmSize,
            sizeKey,
            initialCount: initial,
            peakCount: max + surge,
            peakWhy: `${max} (${countKeys}) + ${surge} upgrade surge (${NODE_POOL_MAX_SURGE})`,
            zones: cfg.zones,
            encryptionAtHost: cfg.aks.encryptionAtHost,
            ephemeralOsDisk: cfg.aks.osDiskType === "Ephemeral",
        };
    };
    const { systemPool, userPool } = cfg.aks;
    const vms: VmDemand[] = [
        aksPool("AKS system pool", "aksSystemVmSize", systemPool.vmSize, systemPool.count, systemPool.count, "aksSystemNodeCount"),
        aksPool("AKS user pool", "aksUserVmSize", userPool.vmSize, userPool.minCount, userPool.maxCount, "aksUserMaxCount"),
        {
            role: "ingress VM",
            vmSize: cfg.ingress.vmSize,
            sizeKey: "ingressVmSize",
            initialCount: 1,
            peakCount: 1,
            peakWhy: "1",
            // components/ingressVm.ts pins the VM to zone 1 when zones are used.
            zones: cfg.zones.length > 0 ? ["1"] : [],
            encryptionAtHost: cfg.ingress.encryptionAtHost,
            ephemeralOsDisk: false,
        },
    ];
    if (cfg.metadataStore.kind === "glusterfs") {
        vms.push({
            role: "GlusterFS VMs",
            vmSize: cfg.metadataStore.gluster.vmSize,
            sizeKey: "glusterVmSize",
            initialCount: GLUSTER_VM_COUNT,
            peakCount: GLUSTER_VM_COUNT,
            peakWhy: `${GLUSTER_VM_COUNT}`,
            // One server per zone (components/glusterVolumes.ts); the bricks always encrypt at host.
            zones: cfg.zones,
            encryptionAtHost: true,
            ephemeralOsDisk: false,
        });
    }
    return vms;
}

/** The resource providers the program's resources belong to, sorted. */
function resourceProviders(cfg: PlatformConfig): string[] {
    return [
        "Microsoft.Authorization",
        "Microsoft.Compute",
        "Microsoft.ContainerService",
        "Microsoft.DocumentDB",
        "Microsoft.Insights",
        "Microsoft.ManagedIdentity",
        "Microsoft.Network",
        "Microsoft.OperationalInsights",
        "Microsoft.Resources",
        "Microsoft.Storage",
        ...(cfg.postgres.kind === "azureFlexible" ? ["Microsoft.DBforPostgreSQL"] : []),
        // The ingress VM's daily shutdown is a devtestlab GlobalSchedule (components/ingressVm.ts).
        ...(cfg.ingress.shutdown ? ["Microsoft.DevTestLab"] : []),
    ].sort();
}

export function deploymentFacts(cfg: PlatformConfig): DeploymentFacts {
    const names: NameContext = { prefix: cfg.namePrefix, stack: cfg.stack, location: cfg.location };
    const vms = vmDemands(cfg);
    const postgresServerName = cfg.postgres.kind === "azureFlexible" ? globalName("psql", names) : undefined;
    const hostEncryption = vms.filter((v) => v.encryptionAtHost).map((v) => v.role);
    return {
        location: cfg.location,
        zones: cfg.zones,
        resourceGroup: resourceName("rg", names),
        kubernetesVersion: cfg.aks.kubernetesVersion,
        kubernetesMinor: cfg.aks.kubernetesVersion.split(".").slice(0, 2).join("."),
        aksLongTermSupport: cfg.aks.supportPlan === "AKSLongTermSupport" && cfg.aks.tier === "Premium",
        vms,
        providers: resourceProviders(cfg),
        features:
            hostEncryption.length > 0
                ? [
                      {
                          namespace: "Microsoft.Compute",
                          name: "EncryptionAtHost",
                          why: `encryption at host on the ${hostEncryption.join(", ")}`,
                      },
                  ]
                : [],
        storageAccountName: storageAccountName(names),
        cosmosAccountName: globalName("cosmos", names),
        dnsLabel: globalName("pip", names),
        publicIpName: resourceName("pip", names, "ingress"),
        postgresServerName,
        privateDnsZones: [
            "privatelink.blob.core.windows.net",
            "privatelink.documents.azure.com",
            ...(postgresServerName ? [`${postgresServerName}.private.postgres.database.azure.com`] : []),
        ],
        lockPrefix: `${resourceName("lock", names)}-`,
        cosmosLocations: [cfg.location, ...(cfg.cosmos.secondaryLocation ? [cfg.cosmos.secondaryLocation] : [])],
        cosmosZoneRedundant: cfg.zones.length > 0 && cfg.cosmos.capacityMode !== "serverless",
    };
}
