/**
 * Node-pool upgrade settings shared by the cluster component (what AKS is told) and preflight (what
 * quota an upgrade needs).
 */

/** Extra nodes AKS adds while upgrading a pool: a third of the pool, so upgrades finish in about three rounds. */
export const NODE_POOL_MAX_SURGE = "33%";

/**
 * Surge nodes for a pool of `count` nodes. "If a percentage is specified, it is the percentage of the total
 * agent pool size at the time of the upgrade. For percentages, fractional nodes are rounded up"; an integer
 * is a node count (AgentPoolUpgradeSettings.maxSurge,
 * https://learn.microsoft.com/javascript/api/@azure-rest/arm-containerservice/agentpoolupgradesettingsoutput).
 */
export function surgeNodes(maxSurge: string, count: number): number {
    const percent = /^(\d{1,3})%$/.exec(maxSurge);
    if (percent) return Math.ceil((count * Number(percent[1])) / 100);
    if (/^\d+$/.test(maxSurge)) return Number(maxSurge);
    throw new Error(`maxSurge ${JSON.stringify(maxSurge)} must be N or N%`);
}
