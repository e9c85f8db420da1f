import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as azureInputs from "@pulumi/azure-native/types/input";
import * as resources from "@pulumi/azure-native/resources";
import { addressFields, portFields } from "../lib/arm";
import { NameContext, resourceName } from "../lib/naming";
import { DiagnosticsArgs, diagnosticSetting } from "./azure/diagnostics";

/** GlusterFS management (glusterd), brick ports and NFSv4 through NFS-Ganesha. */
export const GLUSTER_PORTS = ["24007-24008", "49152-49251", "2049"];

export type SubnetRole = "aks" | "ingress" | "data" | "privateEndpoints" | "postgres";
/** Suffix of each subnet's (and its NSG's) names, in creation order. */
const SUBNET_SUFFIX: Record<SubnetRole, string> = {
    aks: "aks",
    ingress: "ingress",
    data: "data",
    privateEndpoints: "pep",
    postgres: "psql",
};

export interface NetworkArgs {
    names: NameContext;
    location: pulumi.Input<string>;
    tags: Record<string, string>;
    addressSpace: string;
    subnets: Record<SubnetRole, string>;
    /** What the public load balancer exposes: the NSG of the ingress subnet mirrors it exactly. */
    ingress: { vmPrivateIp: string; ports: number[]; adminSourceCidrs: string[] };
    /** pachd's internal load balancer IP: the only thing the ingress subnet may reach in the AKS subnet. */
    pachdInternalIp: string;
    /** The ports that load balancer exposes (pachdLoadBalancerPorts): the NSG admits exactly these. */
    pachdPorts: number[];
    /** Protect the resource group (production). */
    protect: boolean;
}

type SecurityRule = azureInputs.network.SecurityRuleArgs;

/** Denies the rest of the VNet, below a subnet's allow rules (Azure's AllowVnetInBound would admit it). */
const vnetDeny = (priority: number): SecurityRule => ({
    name: "deny-vnet-inbound",
    priority,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "VirtualNetwork",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
});

// ARM takes a service tag (Internet, AzureLoadBalancer) only alone in the singular prefix field and
// refuses it in the plural list (SecurityRuleParameterContainsUnsupportedValue): lib/arm.ts.
const allow = (
    name: string,
    priority: number,
    protocol: string,
    sources: string[],
    destination: string,
    ports: string[],
): SecurityRule => ({
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol,
    ...addressFields("source", sources),
    sourcePortRange: "*",
    destinationAddressPrefix: destination,
    ...portFields("destination", ports),
});

/** The inbound rules of each subnet's NSG: exactly the flows the platform needs. */
function securityRules(args: NetworkArgs): Record<SubnetRole, SecurityRule[]> {
    const s = args.subnets;
    return {
        aks: [
            allow("allow-ingress-to-pachd", 100, "Tcp", [s.ingress], args.pachdInternalIp, args.pachdPorts.map(String)),
            // Anything else from the ingress subnet into the node subnet is refused.
            {
                name: "deny-ingress-subnet",
                priority: 110,
                direction: "Inbound",
                access: "Deny",
                protocol: "*",
                sourceAddressPrefix: s.ingress,
                sourcePortRange: "*",
                destinationAddressPrefix: "*",
                destinationPortRange: "*",
            },
        ],
        ingress: [
            allow("allow-internet-ingest", 100, "Tcp", ["Internet"], args.ingress.vmPrivateIp, args.ingress.ports.map(String)),
            ...(args.ingress.adminSourceCidrs.length > 0
                ? [allow("allow-admin-ssh", 110, "Tcp", args.ingress.adminSourceCidrs, args.ingress.vmPrivateIp, ["22"])]
                : []),
            allow("allow-lb-probe", 120, "Tcp", ["AzureLoadBalancer"], args.ingress.vmPrivateIp, args.ingress.ports.map(String)),
            vnetDeny(4000),
        ],
        data: [
            allow("allow-gluster-clients", 100, "Tcp", [s.aks, s.data], "*", GLUSTER_PORTS),
            allow("allow-lb-probe", 110, "Tcp", ["AzureLoadBalancer"], "*", ["2049"]),
            vnetDeny(4000),
        ],
        privateEndpoints: [allow("allow-https-from-workloads", 100, "Tcp", [s.aks, s.ingress], "*", ["443"]), vnetDeny(4000)],
        postgres: [
            allow("allow-postgres-from-aks", 100, "Tcp", [s.aks], "*", ["5432"]),
            // Flexible Server HA replicates between the primary and standby inside this subnet.
            allow("allow-postgres-replication", 110, "Tcp", [s.postgres], "*", ["5432"]),
            vnetDeny(4000),
        ],
    };
}

/**
 * Resource group, one virtual network, standalone subnets and one least-privilege NSG per subnet.
 * Each NSG allows exactly the flows the platform needs and denies the rest of the VNet explicitly,
 * since Azure's default rule `AllowVnetInBound` would otherwise let every subnet reach every other.
 */
export class Network extends pulumi.ComponentResource {
    public readonly resourceGroup: resources.ResourceGroup;
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly vnet: network.VirtualNetwork;
    public readonly subnets: Record<SubnetRole, network.Subnet>;
    public readonly subnetIds: Record<SubnetRole, pulumi.Output<string>>;
    public readonly nsgs: Record<SubnetRole, network.NetworkSecurityGroup>;
    private readonly baseName: string;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:network:Network", name, {}, opts);
        this.baseName = name;
        const n = args.names;

        this.resourceGroup = new resources.ResourceGroup(
            `${name}-rg`,
            {
                resourceGroupName: resourceName("rg", n),
                location: args.location,
                tags: args.tags,
            },
            { parent: this, protect: args.protect },
        );
        this.resourceGroupName = this.resourceGroup.name;
        const common = { resourceGroupName: this.resourceGroup.name, location: args.location, tags: args.tags };

        this.vnet = new network.VirtualNetwork(
            `${name}-vnet`,
            {
                ...common,
                virtualNetworkName: resourceName("vnet", n),
                addressSpace: { addressPrefixes: [args.addressSpace] },
            },
            {
                parent: this,
                // Subnets are standalone resources; the VNet must not try to own (and delete) them.
                ignoreChanges: ["subnets"],
            },
        );

        const { nsgs, subnets } = this.createSubnets(name, args, securityRules(args));
        this.nsgs = nsgs;
        this.subnets = subnets;
        this.subnetIds = Object.fromEntries(Object.entries(this.subnets).map(([role, subnet]) => [role, subnet.id])) as Record<
            SubnetRole,
            pulumi.Output<string>
        >;

        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            vnetId: this.vnet.id,
            subnetIds: this.subnetIds,
        });
    }

    /** One NSG per subnet and the subnets, created one after the other. */
    private createSubnets(
        name: string,
        args: NetworkArgs,
        rules: Record<SubnetRole, SecurityRule[]>,
    ): { nsgs: Record<SubnetRole, network.NetworkSecurityGroup>; subnets: Record<SubnetRole, network.Subnet> } {
        const common = { resourceGroupName: this.resourceGroup.name, location: args.location, tags: args.tags };
        const suffix = SUBNET_SUFFIX;
        const nsgs = {} as Record<SubnetRole, network.NetworkSecurityGroup>;
        const subnets = {} as Record<SubnetRole, network.Subnet>;
        let previous: network.Subnet | undefined;
        for (const role of Object.keys(suffix) as SubnetRole[]) {
            const nsg = new network.NetworkSecurityGroup(
                `${name}-nsg-${suffix[role]}`,
                {
                    ...common,
                    networkSecurityGroupName: resourceName("nsg", args.names, suffix[role]),
                    securityRules: rules[role],
                },
                { parent: this },
            );
            nsgs[role] = nsg;
            subnets[role] = new network.Subnet(
                `${name}-snet-${suffix[role]}`,
                {
                    resourceGroupName: this.resourceGroup.name,
                    virtualNetworkName: this.vnet.name,
                    subnetName: resourceName("snet", args.names, suffix[role]),
                    addressPrefix: args.subnets[role],
                    networkSecurityGroup: { id: nsg.id },
                    // No implicit internet egress: the load balancers' outbound rules are the only way out.
                    defaultOutboundAccess: false,
                    privateEndpointNetworkPolicies: role === "privateEndpoints" ? "Enabled" : undefined,
                    delegations:
                        role === "postgres"
                            ? [{ name: "postgres-flexible", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }]
                            : undefined,
                },
                {
                    parent: this,
                    // Azure rejects concurrent subnet writes on one VNet (AnotherOperationInProgress).
                    dependsOn: previous ? [previous] : [],
                },
            );
            previous = subnets[role];
        }
        return { nsgs, subnets };
    }

    /**
     * The NSGs' logs (events and rule counters) to Log Analytics. A method rather than the `diagnostics`
     * argument the other components take: the workspace belongs to the cluster, which needs this network first.
     */
    public sendDiagnosticsTo(d: DiagnosticsArgs): void {
        for (const [role, nsg] of Object.entries(this.nsgs)) {
            diagnosticSetting(
                `${this.baseName}-nsg-${SUBNET_SUFFIX[role as SubnetRole]}-diag`,
                this,
                "Microsoft.Network/networkSecurityGroups",
                nsg.id,
                d,
            );
        }
    }
}
