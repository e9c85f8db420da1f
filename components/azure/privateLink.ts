import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { NameContext, resourceName } from "../../lib/naming";

interface Placement {
    names: NameContext;
    resourceGroupName: pulumi.Input<string>;
    tags: Record<string, string>;
}

export interface PrivateDnsZoneArgs extends Placement {
    /** e.g. `privatelink.blob.core.windows.net`, or a Flexible Server's `<server>.private.postgres.database.azure.com`. */
    zoneName: string;
    vnetId: pulumi.Input<string>;
}

/** A private DNS zone the platform owns and its link to the VNet. */
export interface PrivateDnsZone {
    zone: privatedns.PrivateZone;
    vnetLink: privatedns.VirtualNetworkLink;
}

/**
 * A private DNS zone linked to the VNet without auto-registration (records come from zone groups or
 * from the service itself). Children `<name>-zone` and `<name>-zone-link`.
 */
export function privateDnsZone(name: string, parent: pulumi.Resource, a: PrivateDnsZoneArgs): PrivateDnsZone {
    const zone = new privatedns.PrivateZone(
        `${name}-zone`,
        {
            resourceGroupName: a.resourceGroupName,
            privateZoneName: a.zoneName,
            location: "global",
            tags: a.tags,
        },
        { parent },
    );
    const vnetLink = new privatedns.VirtualNetworkLink(
        `${name}-zone-link`,
        {
            resourceGroupName: a.resourceGroupName,
            privateZoneName: zone.name,
            virtualNetworkLinkName: `${resourceName("vnet", a.names)}-link`,
            location: "global",
            virtualNetwork: { id: a.vnetId },
            registrationEnabled: false,
            tags: a.tags,
        },
        { parent },
    );
    return { zone, vnetLink };
}

export interface PrivateLinkArgs extends Placement {
    location: pulumi.Input<string>;
    /** Suffix of the endpoint's name: `pep-<prefix>-<stack>-<suffix>`. */
    suffix: string;
    targetId: pulumi.Input<string>;
    groupId: string;
    /** e.g. privatelink.blob.core.windows.net */
    zoneName: string;
    vnetId: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    /**
     * An existing `privatelink.*` zone (already linked to the VNet), e.g. one a hub owns: then no zone
     * and no link are created here. AVM asks for this (private endpoint modules take zone ids).
     */
    existingZoneId?: pulumi.Input<string>;
}

export interface PrivateLink {
    endpoint: network.PrivateEndpoint;
    /** The zone and its link when this helper created them (no `existingZoneId`). */
    dns?: PrivateDnsZone;
    zoneGroup: network.PrivateDnsZoneGroup;
    /** First private IP of the endpoint (known after creation). */
    ip: pulumi.Output<string | undefined>;
}

/**
 * Private endpoint in the private-endpoint subnet, the `privatelink.*` zone linked to the VNet (or the
 * one passed in) and the zone group that makes Azure maintain the endpoint's A records
 * (https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration).
 */
export function privateLink(name: string, parent: pulumi.Resource, a: PrivateLinkArgs): PrivateLink {
    const endpointName = resourceName("pep", a.names, a.suffix);
    const dns = a.existingZoneId === undefined ? privateDnsZone(name, parent, a) : undefined;
    const zoneId: pulumi.Input<string> = a.existingZoneId ?? (dns as PrivateDnsZone).zone.id;
    const endpoint = new network.PrivateEndpoint(
        `${name}-pep`,
        {
            resourceGroupName: a.resourceGroupName,
            location: a.location,
            tags: a.tags,
            privateEndpointName: endpointName,
            customNetworkInterfaceName: resourceName("nic", a.names, `pep-${a.suffix}`),
            subnet: { id: a.subnetId },
            privateLinkServiceConnections: [
                {
                    name: endpointName,
                    privateLinkServiceId: a.targetId,
                    groupIds: [a.groupId],
                },
            ],
        },
        { parent },
    );
    const zoneGroup = new network.PrivateDnsZoneGroup(
        `${name}-pep-dns`,
        {
            resourceGroupName: a.resourceGroupName,
            privateEndpointName: endpoint.name,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: a.zoneName.replace(/\./g, "-"), privateDnsZoneId: zoneId }],
        },
        { parent, dependsOn: dns ? [dns.vnetLink] : [] },
    );
    const ip = endpoint.customDnsConfigs.apply((c) => c?.[0]?.ipAddresses?.[0]);
    return { endpoint, dns, zoneGroup, ip };
}
