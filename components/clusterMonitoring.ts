import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { PlacementArgs, resourceName } from "../lib/naming";

/**
 * Container Insights streams (https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-data-collection-dcr):
 * `full` is the default group (every table, stdout/stderr of every container in ContainerLogV2);
 * `operator` keeps what an operator reads to see whether the platform is healthy - pod and node inventory,
 * Kubernetes events, CPU/memory counters - every 5 minutes without kube-system, as the portal's
 * "cost-optimized" preset does, and no container logs (read them with kubectl logs).
 */
export const CONTAINER_INSIGHTS = {
    full: {
        streams: ["Microsoft-ContainerInsights-Group-Default"],
        settings: { interval: "1m", namespaceFilteringMode: "Off", enableContainerLogV2: true },
    },
    operator: {
        streams: ["Microsoft-KubePodInventory", "Microsoft-KubeNodeInventory", "Microsoft-KubeEvents", "Microsoft-Perf"],
        settings: { interval: "5m", namespaceFilteringMode: "Exclude", namespaces: ["kube-system"], enableContainerLogV2: true },
    },
} as const;

export interface ClusterMonitoringArgs extends Omit<PlacementArgs, "zones"> {
    logRetentionDays: number;
    /** Log Analytics daily cap in GB (0 = none) and what Container Insights collects. */
    monitoring: { dailyCapGb: number; containerInsights: keyof typeof CONTAINER_INSIGHTS };
}

/** The Log Analytics workspace of the cluster, where every component also sends its diagnostics. */
export function logAnalyticsWorkspace(name: string, parent: pulumi.Resource, args: ClusterMonitoringArgs): operationalinsights.Workspace {
    return new operationalinsights.Workspace(
        `${name}-log`,
        {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags: args.tags,
            workspaceName: resourceName("log", args.names),
            sku: { name: "PerGB2018" },
            retentionInDays: args.logRetentionDays,
            // Once the cap is reached, ingestion stops until the next day (UTC reset).
            workspaceCapping: args.monitoring.dailyCapGb > 0 ? { dailyQuotaGb: args.monitoring.dailyCapGb } : undefined,
        },
        { parent },
    );
}

/**
 * Container Insights with managed-identity auth (useAADAuth) collects only through a data collection
 * rule associated with the cluster; `az aks enable-addons` creates it implicitly, ARM does not.
 */
export function containerInsights(
    name: string,
    parent: pulumi.Resource,
    args: ClusterMonitoringArgs,
    workspaceId: pulumi.Input<string>,
    clusterId: pulumi.Input<string>,
): void {
    const collection = CONTAINER_INSIGHTS[args.monitoring.containerInsights];
    const insightsRule = new monitor.DataCollectionRule(
        `${name}-dcr`,
        {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags: args.tags,
            dataCollectionRuleName: resourceName("dcr", args.names, "container-insights"),
            kind: "Linux",
            dataSources: {
                extensions: [
                    {
                        name: "ContainerInsightsExtension",
                        extensionName: "ContainerInsights",
                        streams: [...collection.streams],
                        extensionSettings: { dataCollectionSettings: collection.settings },
                    },
                ],
            },
            destinations: { logAnalytics: [{ name: "ciworkspace", workspaceResourceId: workspaceId }] },
            dataFlows: [{ streams: [...collection.streams], destinations: ["ciworkspace"] }],
        },
        { parent },
    );
    new monitor.DataCollectionRuleAssociation(
        `${name}-dcr-association`,
        { resourceUri: clusterId, associationName: "ContainerInsightsExtension", dataCollectionRuleId: insightsRule.id },
        { parent },
    );
}
