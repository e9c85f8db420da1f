import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

/** Where a component sends its resource logs (AVM's `diagnosticSettings`, RMFR4). */
export interface DiagnosticsArgs {
    /** ARM id of the Log Analytics workspace (the cluster component's `workspaceId`). */
    workspaceId: pulumi.Input<string>;
}

/** Name of the one diagnostic setting per resource (unique per resource, not globally). */
export const DIAGNOSTIC_SETTING_NAME = "to-log-analytics";

interface DiagnosticProfile {
    /** Log category groups (preferred: categories Azure adds later are collected too) or categories. */
    logs: readonly { categoryGroup?: string; category?: string }[];
    /** Metric categories exported to the workspace; [] when the type has none or they stay in Azure Monitor Metrics. */
    metrics: readonly string[];
    /** "Dedicated": resource-specific tables instead of AzureDiagnostics. */
    destinationType?: "Dedicated";
}

/**
 * What each resource type sends. Categories per type: Azure Monitor's "Supported logs" reference
 * (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/<type>-logs); the `allLogs`
 * group is used where the type supports category groups: the built-in initiative "Enable allLogs
 * category group resource logging for supported resources to Log Analytics" (Azure/azure-policy
 * built-in-policies/policySetDefinitions/Monitoring/AzureMonitor_DiagSettings_logAnalytics_allLogs.json)
 * lists loadbalancers, networksecuritygroups, dbforpostgresql/flexibleservers and
 * documentdb/databaseaccounts; for blobServices, AVM's blob-service module defaults to `allLogs`
 * (Azure/bicep-registry-modules avm/res/storage/storage-account/blob-service/main.bicep).
 * Platform metrics stay queryable in Azure Monitor Metrics (93 days) without a setting; they are
 * exported only where logs alone would not show the resource's health.
 */
export const DIAGNOSTIC_PROFILES = {
    // StorageRead, StorageWrite, StorageDelete (table StorageBlobLogs): who read, wrote or deleted which blob.
    "Microsoft.Storage/storageAccounts/blobServices": { logs: [{ categoryGroup: "allLogs" }], metrics: [] },
    // DataPlaneRequests, ControlPlaneRequests, QueryRuntimeStatistics, PartitionKey* … (tables CDB*,
    // resource-specific: "Dedicated"; without it they land in AzureDiagnostics).
    "Microsoft.DocumentDB/databaseAccounts": { logs: [{ categoryGroup: "allLogs" }], metrics: [], destinationType: "Dedicated" },
    // PostgreSQLLogs, PostgreSQLFlexSessions, PostgreSQLFlexQueryStore*, PostgreSQLFlexTableStats,
    // PostgreSQLFlexDatabaseXacts (table AzureDiagnostics).
    "Microsoft.DBforPostgreSQL/flexibleServers": { logs: [{ categoryGroup: "allLogs" }], metrics: [] },
    // One log category, LoadBalancerHealthEvent (table ALBHealthEvent); the data-path and probe health,
    // SNAT usage and byte counts are metrics: AllMetrics (AVM's load-balancer module default).
    "Microsoft.Network/loadBalancers": { logs: [{ categoryGroup: "allLogs" }], metrics: ["AllMetrics"] },
    // NetworkSecurityGroupEvent, NetworkSecurityGroupRuleCounter (AzureDiagnostics); NSGs have no
    // metrics (AVM's NSG module takes a logs-only diagnostic setting).
    "Microsoft.Network/networkSecurityGroups": { logs: [{ categoryGroup: "allLogs" }], metrics: [] },
} as const satisfies Record<string, DiagnosticProfile>;

export type DiagnosedType = keyof typeof DIAGNOSTIC_PROFILES;

/** A diagnostic setting sending `resourceUri`'s logs (and metrics, per its type) to the workspace. */
export function diagnosticSetting(
    name: string,
    parent: pulumi.Resource,
    type: DiagnosedType,
    resourceUri: pulumi.Input<string>,
    d: DiagnosticsArgs,
): monitor.DiagnosticSetting {
    const profile: DiagnosticProfile = DIAGNOSTIC_PROFILES[type];
    return new monitor.DiagnosticSetting(
        name,
        {
            resourceUri,
            name: DIAGNOSTIC_SETTING_NAME,
            workspaceId: d.workspaceId,
            logAnalyticsDestinationType: profile.destinationType,
            logs: profile.logs.map((l) => ({ ...l, enabled: true })),
            metrics: profile.metrics.map((category) => ({ category, enabled: true })),
        },
        { parent },
    );
}
