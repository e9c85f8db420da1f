/**
 * Every rule of docs/policy.md ("Rules") as a CrossGuard policy, one file per area (plain objects: no
 * PolicyPack is constructed here, so the offline evaluator and the tests load this module freely).
 *
 * Conventions
 * - One policy per rule, named after what it checks; the description starts with "Rule N (public IDs)".
 * - "M" rules are `mandatory`, "A" rules `advisory`. Rules that mix both ("M when X, else A",
 *   "...; customer-managed key A") are split into two policies.
 * - Production-only rules (or parts) use the environment KIND: policy config `environment` when set,
 *   else the `environment` tag (of the resource for resource policies on tagged Azure resources, of
 *   the stack's Azure resources for stack policies). Kubernetes objects carry no tags, so every rule
 *   with a production-only part on them (or on untagged Azure sub-resources: blob service
 *   properties, containers, locks, agent pools) is a stack policy.
 * - Settings that guard against leaks or data loss must be set explicitly: an Azure API default is not
 *   relied upon (defaults have changed across API versions).
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    containerImmutability,
    statefulOptions,
    storageBlobSoftDelete,
    storageCmk,
    storageContainerSoftDelete,
    storageHttpsTls,
    storageInfraEncryption,
    storageKeyless,
    storageKeylessAdvisory,
    storageLock,
    storageNoPublicBlob,
    storagePitr,
    storagePrivateNetwork,
    storageRedundancy,
    storageVersioning,
} from "./storage";
import {
    aksAddons,
    aksApiServer,
    aksNetwork,
    aksOperations,
    aksPoolSizing,
    aksRbac,
    aksSpotWorkersOnly,
    aksTier,
    aksWorkloadIdentity,
    aksZones,
} from "./aks";
import { k8sServices, noPublicIps, nsgAdminPorts, publicLb, subnetNsg, vmEncryptionAtHost, vmLinuxSsh } from "./network";
import { cosmosBackup, cosmosSecurity, keyVault, metadataDisks, postgres } from "./data";
import { availability, networkPolicies, podResources, podSecurity, serviceAccounts } from "./kubernetes";
import { secrets } from "./secrets";
import { armNames, armNodePools, armSecurityRules } from "./arm";
import { GLUSTER_ROLL_POLICY, glusterOneNodeAtATime } from "./gluster";
import { AnyPolicy } from "./common";

export type { AnyPolicy } from "./common";
export { NOT_SENSITIVE_KEY, SENSITIVE_KEY } from "./secrets";

export const resourcePolicies: ResourceValidationPolicy[] = [
    storageRedundancy,
    storageHttpsTls,
    storageNoPublicBlob,
    storageInfraEncryption,
    storageCmk,
    aksRbac,
    aksApiServer,
    aksNetwork,
    aksTier,
    aksAddons,
    aksWorkloadIdentity,
    nsgAdminPorts,
    vmLinuxSsh,
    vmEncryptionAtHost,
    cosmosBackup,
    keyVault,
    podSecurity,
    podResources,
    armSecurityRules,
];

export const stackPolicies: StackValidationPolicy[] = [
    storagePrivateNetwork,
    storageKeyless,
    storageKeylessAdvisory,
    storageBlobSoftDelete,
    storageContainerSoftDelete,
    storageVersioning,
    storagePitr,
    storageLock,
    statefulOptions,
    containerImmutability,
    aksZones,
    aksPoolSizing,
    aksSpotWorkersOnly,
    aksOperations,
    subnetNsg,
    noPublicIps,
    publicLb,
    k8sServices,
    cosmosSecurity,
    postgres,
    metadataDisks,
    serviceAccounts,
    availability,
    networkPolicies,
    secrets,
    armNames,
    armNodePools,
    glusterOneNodeAtATime,
];

/** Rule number (1-38, "X" for cross-cutting, "ARM" for what ARM refuses at request time) of every policy, in rule order. */
export const RULE_OF: Record<string, string> = {
    "storage-redundancy-gzrs": "1",
    "storage-https-tls12": "2",
    "storage-no-public-blob-access": "3",
    "storage-private-network": "4",
    "storage-keyless-auth": "5",
    "storage-keyless-auth-advisory": "5",
    "storage-infrastructure-encryption": "6",
    "storage-customer-managed-key": "6",
    "storage-blob-soft-delete": "7",
    "storage-container-soft-delete": "8",
    "storage-versioning-change-feed": "9",
    "storage-point-in-time-restore": "10",
    "storage-management-lock": "11",
    "stateful-resource-options": "12",
    "storage-container-immutability": "13",
    "aks-rbac-entra-id": "14",
    "aks-api-server-access": "15",
    "aks-network-cni-policy": "16",
    "aks-sku-tier": "17",
    "aks-node-pools-zonal": "18",
    "aks-node-pool-sizing": "19",
    "aks-spot-workers-only": "19",
    "aks-addons-monitoring": "20",
    "aks-workload-identity": "21",
    "aks-upgrade-and-node-hardening": "22",
    "nsg-no-admin-ports-from-internet": "23",
    "subnet-has-nsg": "24",
    "vm-linux-ssh-key-only": "25",
    "vm-encryption-at-host": "25",
    "no-public-ip-except-lb": "26",
    "public-lb-standard-zonal": "27",
    "k8s-lb-service-internal": "28",
    "cosmos-keyless-private-tls12": "29",
    "cosmos-continuous-backup-resilience": "30",
    "postgres-private-tls-backup-ha": "31",
    "metadata-disk-hardened": "32",
    "keyvault-hardened": "33",
    "k8s-pod-security": "34",
    "k8s-resources-probes-pinned-images": "35",
    "k8s-service-accounts-namespaces": "36",
    "k8s-availability-pdb-backup": "37",
    "k8s-network-policies": "38",
    "secrets-are-pulumi-secrets": "X",
    "arm-nsg-security-rules": "ARM",
    "arm-resource-names": "ARM",
    "arm-aks-node-pools": "ARM",
    [GLUSTER_ROLL_POLICY]: "X",
};

/** Every policy of the pack, in rule order. */
export const allPolicies: AnyPolicy[] = [...resourcePolicies, ...stackPolicies].sort((a, b) => ruleOrder(a) - ruleOrder(b));

function ruleOrder(p: AnyPolicy): number {
    const rule = RULE_OF[p.name];
    if (rule === undefined) return 98;
    return ({ X: 99, ARM: 100 } as Record<string, number | undefined>)[rule] ?? Number(rule);
}
