import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { Network } from "./components/network";
import { parseConfig, rawConfigFromEngine } from "./lib/config";
import { hostAt, parseCidr, Cidr } from "./lib/cidr";
import { standardTags } from "./lib/naming";

// Composition root: read and validate config (nothing is declared when it is bad), build the
// components, export the outputs contract (contracts/outputs.schema.json).
const project = pulumi.getProject();
const cfg = parseConfig(rawConfigFromEngine(project), { project, stack: pulumi.getStack() });
const names = { prefix: cfg.namePrefix, stack: cfg.stack, location: cfg.location };
const tags = standardTags(cfg.tags);
const ingressVmIp = hostAt(parseCidr(cfg.network.subnets.ingress) as Cidr, 4);

const net = new Network("network", {
    names,
    location: cfg.location,
    tags,
    addressSpace: cfg.network.addressSpace,
    subnets: cfg.network.subnets,
    ingress: { vmPrivateIp: ingressVmIp, ports: cfg.ingress.ports, adminSourceCidrs: cfg.ingress.adminSourceCidrs },
    pachdInternalIp: cfg.pachyderm.internalLbIp,
    protect: cfg.protection.protect,
});

const cluster = new Cluster("cluster", {
    names,
    resourceGroupName: net.resourceGroupName,
    location: cfg.location,
    tags,
    kubernetesVersion: cfg.aks.kubernetesVersion,
    tier: cfg.aks.tier,
    zones: cfg.zones,
    nodeSubnetId: net.subnetIds.aks,
    network: { serviceCidr: cfg.aks.serviceCidr, dnsServiceIp: cfg.aks.dnsServiceIp, podCidr: cfg.aks.podCidr },
    systemPool: { ...cfg.aks.systemPool, osDiskType: cfg.aks.osDiskType, encryptionAtHost: cfg.aks.encryptionAtHost, maxPods: cfg.aks.maxPods },
    userPool: { ...cfg.aks.userPool, osDiskType: cfg.aks.osDiskType, encryptionAtHost: cfg.aks.encryptionAtHost, maxPods: cfg.aks.maxPods },
    apiServer: { privateCluster: cfg.aks.privateCluster, authorizedIpRanges: cfg.aks.authorizedIpRanges },
    adminGroupObjectIds: cfg.aks.adminGroupObjectIds,
    disableLocalAccounts: cfg.aks.disableLocalAccounts,
    upgradeChannel: cfg.aks.upgradeChannel,
    maintenance: cfg.aks.maintenance,
    logRetentionDays: cfg.isProd ? 90 : 30,
});

export const contractVersion = "1.0.0";
export const resourceGroupName = net.resourceGroupName;
export const location = cfg.location;
export const vnetId = net.vnet.id;
export const subnetIds = net.subnetIds;
export const clusterName = cluster.clusterName;
export const clusterId = cluster.clusterId;
export const oidcIssuerUrl = cluster.oidcIssuerUrl;
export const kubeconfig = cluster.kubeconfig;
