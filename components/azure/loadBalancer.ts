import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

export type LoadBalancerChildKind =
    "frontendIPConfigurations" | "backendAddressPools" | "probes" | "inboundNatRules" | "loadBalancingRules" | "outboundRules";

/** The ARM id of one sub-resource of the load balancer. */
export type LoadBalancerChildIds = (kind: LoadBalancerChildKind, child: string) => pulumi.Output<string>;

/**
 * ARM ids of a load balancer's sub-resources, known before the LB exists: its rules, probes, pools
 * and frontends reference each other by id inside the one LoadBalancer resource.
 */
export function loadBalancerChildIds(
    parent: pulumi.Resource,
    resourceGroupName: pulumi.Input<string>,
    lbName: string,
): LoadBalancerChildIds {
    const subscriptionId = authorization.getClientConfigOutput({ parent }).subscriptionId;
    return (kind, child) =>
        pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Network/loadBalancers/${lbName}/${kind}/${child}`;
}
