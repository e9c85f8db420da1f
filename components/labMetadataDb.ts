import * as pulumi from "@pulumi/pulumi";
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import type { CosmosContainerSpec } from "../lib/config";
import { globalName, PlacementArgs, resourceName } from "../lib/naming";
import { StatefulGuard } from "./azure/guard";
import { applyInterfaces, InterfaceArgs } from "./azure/interfaces";
import { privateLink } from "./azure/privateLink";
import { assignmentGuid, Grantee } from "./azure/roles";

/** Built-in Cosmos DB data-plane role "Cosmos DB Built-in Data Contributor" (items read/write, no management). */
export const COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002";
/** Cosmos DB's system property, never queried: always out of the index. */
export const ETAG_PATH = '/"_etag"/?';

export interface LabMetadataDbArgs extends PlacementArgs, InterfaceArgs {
    capacityMode: "serverless" | "autoscale";
    /** Autoscale only: the database's shared maximum RU/s. */
    maxThroughput: number;
    databaseName: string;
    containers: CosmosContainerSpec[];
    /** A second (failover) region; autoscale only. */
    secondaryLocation?: string;
    backupTier: "Continuous7Days" | "Continuous30Days";
    vnetId: pulumi.Input<string>;
    privateEndpointSubnetId: pulumi.Input<string>;
}

/**
 * The lab's metadata database (what the uploaders on the ingress VM record about the data), not Pachyderm's
 * own metadata, which lives in etcd and PostgreSQL on components/pachydermVolumes.ts.
 *
 * Cosmos DB for NoSQL: Entra ID only (keys off, also for metadata writes), reachable only through a
 * private endpoint, continuous backup (point-in-time restore of the account, a database or a container),
 * zone-redundant locations and automatic failover when zones are in use.
 *
 * The type token keeps the class's first name, `CosmosDb`: it is part of the URN of every child, and the
 * data-loss guard follows aliases only on the resource itself, so renaming it would read as a replacement.
 */
export class LabMetadataDb extends pulumi.ComponentResource {
    public readonly account: cosmosdb.DatabaseAccount;
    public readonly database: cosmosdb.SqlResourceSqlDatabase;
    public readonly containers: cosmosdb.SqlResourceSqlContainer[] = [];
    public readonly accountName: pulumi.Output<string>;
    public readonly accountId: pulumi.Output<string>;
    /** `https://<account>.documents.azure.com:443/` (resolves to the private endpoint inside the VNet). */
    public readonly endpoint: pulumi.Output<string>;
    public readonly databaseName: pulumi.Output<string>;
    public readonly containerNames: pulumi.Output<string[]>;
    public readonly privateEndpointIp: pulumi.Output<string | undefined>;
    private readonly baseName: string;
    private readonly resourceGroupName: pulumi.Input<string>;

    constructor(name: string, args: LabMetadataDbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:cosmos:CosmosDb", name, {}, opts);
        this.baseName = name;
        this.resourceGroupName = args.resourceGroupName;
        const n = args.names;
        const serverless = args.capacityMode === "serverless";
        const guard = new StatefulGuard(this, args);

        this.account = this.createAccount(name, args, guard);
        this.database = new cosmosdb.SqlResourceSqlDatabase(
            `${name}-db`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                databaseName: args.databaseName,
                tags: args.tags,
                resource: { id: args.databaseName },
                options: serverless ? undefined : { autoscaleSettings: { maxThroughput: args.maxThroughput } },
            },
            guard.options(),
        );
        this.databaseName = this.database.id.apply(() => args.databaseName);

        for (const spec of args.containers) this.containers.push(this.createContainer(name, args, guard, spec));
        const containerNames = args.containers.map((c) => c.name);
        this.containerNames = pulumi.all(this.containers.map((c) => c.id)).apply(() => containerNames);

        const link = privateLink(`${name}-sql`, this, {
            ...args,
            suffix: "cosmos",
            targetId: this.account.id,
            groupId: "Sql",
            zoneName: "privatelink.documents.azure.com",
            subnetId: args.privateEndpointSubnetId,
        });
        this.privateEndpointIp = link.ip;

        applyInterfaces(name, this, guard, args, {
            id: this.account.id,
            lock: {
                lockName: resourceName("lock", n, "cosmos"),
                notes: "Cosmos DB with continuous backup: remove only with the data owner's approval.",
            },
            logs: { suffix: "account", type: "Microsoft.DocumentDB/databaseAccounts", resourceUri: this.account.id },
        });

        this.accountName = this.account.name;
        this.accountId = this.account.id;
        this.endpoint = this.account.documentEndpoint;

        this.registerOutputs({
            accountName: this.accountName,
            accountId: this.accountId,
            endpoint: this.endpoint,
            databaseName: this.databaseName,
            containerNames: this.containerNames,
            privateEndpointIp: this.privateEndpointIp,
        });
    }

    /**
     * The account. Zone redundancy is fixed at creation. Serverless accounts are left zonal: they are the dev
     * shape and their zone support is not something to rely on.
     */
    private createAccount(name: string, args: LabMetadataDbArgs, guard: StatefulGuard): cosmosdb.DatabaseAccount {
        const serverless = args.capacityMode === "serverless";
        const zoneRedundant = args.zones.length > 0 && !serverless;
        return new cosmosdb.DatabaseAccount(
            `${name}-account`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                accountName: globalName("cosmos", args.names),
                kind: "GlobalDocumentDB",
                databaseAccountOfferType: "Standard",
                capabilities: serverless ? [{ name: "EnableServerless" }] : [],
                locations: [
                    { locationName: args.location, failoverPriority: 0, isZoneRedundant: zoneRedundant },
                    ...(args.secondaryLocation
                        ? [{ locationName: args.secondaryLocation, failoverPriority: 1, isZoneRedundant: zoneRedundant }]
                        : []),
                ],
                consistencyPolicy: { defaultConsistencyLevel: "Session" },
                enableAutomaticFailover: true,
                enableMultipleWriteLocations: false,
                // Continuous backup: restore to any second of the window, also after the account is deleted.
                backupPolicy: { type: "Continuous", continuousModeProperties: { tier: args.backupTier } },
                disableLocalAuth: true,
                disableKeyBasedMetadataWriteAccess: true,
                publicNetworkAccess: "Disabled",
                ipRules: [],
                isVirtualNetworkFilterEnabled: false,
                networkAclBypass: "None",
                networkAclBypassResourceIds: [],
                minimalTlsVersion: "Tls12",
            },
            guard.options(),
        );
    }

    private createContainer(
        name: string,
        args: LabMetadataDbArgs,
        guard: StatefulGuard,
        spec: CosmosContainerSpec,
    ): cosmosdb.SqlResourceSqlContainer {
        return new cosmosdb.SqlResourceSqlContainer(
            `${name}-container-${spec.name}`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                databaseName: this.databaseName,
                containerName: spec.name,
                tags: args.tags,
                resource: {
                    id: spec.name,
                    // Changing the partition key replaces the container (its data): protect stops that in production.
                    partitionKey: { paths: [spec.partitionKeyPath], kind: "Hash", version: 2 },
                    ...(spec.defaultTtlSeconds !== undefined ? { defaultTtl: spec.defaultTtlSeconds } : {}),
                    indexingPolicy: {
                        indexingMode: "consistent",
                        automatic: true,
                        includedPaths: [{ path: "/*" }],
                        excludedPaths: [...spec.excludedPaths, ETAG_PATH].map((path) => ({ path })),
                    },
                },
            },
            guard.options(),
        );
    }

    /**
     * Cosmos DB Built-in Data Contributor for `grantee`, scoped to the database: read and write items
     * there and nothing else in the account (data-plane RBAC: keys are off). Named
     * `<component>-data-contributor[-<key>]`: give a key from the second grantee on.
     * (https://learn.microsoft.com/azure/cosmos-db/how-to-setup-rbac#built-in-role-definitions)
     */
    public grantDataContributor(grantee: Pick<Grantee, "principalId">, key?: string): cosmosdb.SqlResourceSqlRoleAssignment {
        const roleDefinitionId = pulumi.interpolate`${this.account.id}/sqlRoleDefinitions/${COSMOS_DATA_CONTRIBUTOR}`;
        const scope = pulumi.interpolate`${this.account.id}/dbs/${this.databaseName}`;
        return new cosmosdb.SqlResourceSqlRoleAssignment(
            `${this.baseName}-data-contributor${key ? `-${key}` : ""}`,
            {
                resourceGroupName: this.resourceGroupName,
                accountName: this.account.name,
                roleAssignmentId: assignmentGuid(scope, roleDefinitionId, grantee.principalId),
                roleDefinitionId,
                scope,
                principalId: grantee.principalId,
            },
            { parent: this, dependsOn: [this.database] },
        );
    }
}
