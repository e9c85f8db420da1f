/** What every area of the pack shares: type tokens, levels, the violation reporter. */
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { label } from "../util";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Azure type tokens used by the stack policies. */
export const AZ = {
    StorageAccount: "azure-native:storage:StorageAccount",
    BlobServiceProperties: "azure-native:storage:BlobServiceProperties",
    BlobContainer: "azure-native:storage:BlobContainer",
    BlobContainerImmutabilityPolicy: "azure-native:storage:BlobContainerImmutabilityPolicy",
    PrivateEndpoint: "azure-native:network:PrivateEndpoint",
    LockAtResource: "azure-native:authorization:ManagementLockAtResourceLevel",
    LockAtResourceGroup: "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    LockByScope: "azure-native:authorization:ManagementLockByScope",
    ResourceGroup: "azure-native:resources:ResourceGroup",
    ManagedCluster: "azure-native:containerservice:ManagedCluster",
    AgentPool: "azure-native:containerservice:AgentPool",
    MaintenanceConfiguration: "azure-native:containerservice:MaintenanceConfiguration",
    NetworkSecurityGroup: "azure-native:network:NetworkSecurityGroup",
    SecurityRule: "azure-native:network:SecurityRule",
    Subnet: "azure-native:network:Subnet",
    VirtualNetwork: "azure-native:network:VirtualNetwork",
    NetworkInterface: "azure-native:network:NetworkInterface",
    PublicIPAddress: "azure-native:network:PublicIPAddress",
    LoadBalancer: "azure-native:network:LoadBalancer",
    InboundNatRule: "azure-native:network:InboundNatRule",
    VirtualMachine: "azure-native:compute:VirtualMachine",
    Disk: "azure-native:compute:Disk",
    CosmosAccount: "azure-native:cosmosdb:DatabaseAccount",
    PostgresServer: "azure-native:dbforpostgresql:Server",
    PostgresFirewallRule: "azure-native:dbforpostgresql:FirewallRule",
    PostgresConfiguration: "azure-native:dbforpostgresql:Configuration",
    KeyVault: "azure-native:keyvault:Vault",
    FederatedIdentityCredential: "azure-native:managedidentity:FederatedIdentityCredential",
    UserAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
    RoleAssignment: "azure-native:authorization:RoleAssignment",
} as const;

export const mandatory = "mandatory" as const;
export const advisory = "advisory" as const;

export type Reporter = (message: string, urn?: string) => void;

export function at(report: ReportViolation, r: PolicyResource): Reporter {
    return (m) => report(`${label(r)}: ${m}`, r.urn);
}
