import { Plan, PlanResource } from "../planner/types";

/**
 * Resource types that hold data. In Pulumi a changed logical name, type or parent means delete +
 * create: for these that is data loss, so their URNs are pinned per stack (tests/stateful/<stack>.json).
 */
export const STATEFUL_TYPES = new Set([
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:compute:Disk",
    // azure-native 3.x registers Cosmos DB resources under the `cosmosdb` module (its SDK folder is documentdb/).
    "azure-native:cosmosdb:DatabaseAccount",
    "azure-native:cosmosdb:SqlResourceSqlDatabase",
    "azure-native:cosmosdb:SqlResourceSqlContainer",
    "azure-native:dbforpostgresql:Server",
    "azure-native:dbforpostgresql:Database",
    "kubernetes:core/v1:PersistentVolume",
]);

/**
 * Whether a type token holds data, ignoring an explicit API-version module
 * (`azure-native:storage/v20240101:StorageAccount`) and the `documentdb` spelling of the Cosmos DB module.
 */
export function isStatefulType(type: string): boolean {
    const m = /^azure-native:([^:/]+)(?:\/[^:]+)?:(.+)$/.exec(type);
    if (!m) return STATEFUL_TYPES.has(type);
    const module = m[1] === "documentdb" ? "cosmosdb" : m[1];
    return STATEFUL_TYPES.has(`azure-native:${module}:${m[2]}`);
}

export function statefulUrns(plan: Plan): string[] {
    return plan.resources
        .filter((r) => isStatefulType(r.type))
        .map((r) => r.urn)
        .sort();
}

export interface DataLossFinding {
    urn: string;
    message: string;
}

/**
 * Every pinned URN must still exist, or be carried over by an `aliases` entry of a resource in the
 * plan (an alias URN, or an alias spec naming the old name).
 */
export function checkStateful(pinned: string[], plan: Plan): DataLossFinding[] {
    const present = new Set(plan.resources.map((r) => r.urn));
    const aliased = (urn: string, r: PlanResource) =>
        r.aliases.some((a) => a === urn || (a.startsWith("alias(") && a.includes(`name=${urn.split("::").pop()}`)));
    return pinned
        .filter((urn) => !present.has(urn) && !plan.resources.some((r) => aliased(urn, r)))
        .map((urn) => ({
            urn,
            message:
                `stateful resource ${urn} would be deleted (renamed, re-parented or removed) — data loss. ` +
                "Add an `aliases` entry to carry it over, or run `npm run stateful:update` if the removal is intended.",
        }));
}
