import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as random from "@pulumi/random";
import { globalName, PlacementArgs, resourceName } from "../lib/naming";
import { StatefulGuard } from "./azure/guard";
import { applyInterfaces, InterfaceArgs } from "./azure/interfaces";
import { privateDnsZone } from "./azure/privateLink";

/** Pachyderm's two databases; the name `dex` is fixed by Pachyderm. */
export const POSTGRES_DATABASES = ["pachyderm", "dex"] as const;
export const POSTGRES_ADMIN_USER = "pachyderm";

export interface PostgresFlexibleServerArgs extends PlacementArgs, InterfaceArgs {
    version: "16";
    skuName: string;
    skuTier: "Burstable" | "GeneralPurpose" | "MemoryOptimized";
    storageSizeGb: number;
    /** 14-35 days of point-in-time restore. */
    backupRetentionDays: number;
    /** Geo-redundant backup (production; can only be chosen at creation). */
    geoRedundantBackup: boolean;
    /** Zone-redundant high availability (production). */
    highAvailability: boolean;
    /** Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers. */
    delegatedSubnetId: pulumi.Input<string>;
    vnetId: pulumi.Input<string>;
    /** Also accept Entra ID tokens (password authentication stays on: Pachyderm needs it). */
    entraAuth?: boolean;
}

/**
 * Azure Database for PostgreSQL Flexible Server (azure-native v3 `dbforpostgresql.Server` is the
 * flexible server, API 2025-08-01) for Pachyderm: private access only (delegated subnet, its own
 * private DNS zone, no firewall rule), TLS required, 14+ days of point-in-time restore, geo-redundant
 * backup and zone-redundant HA in production; the `pachyderm` and `dex` databases. Not the in-cluster
 * PostgreSQL (components/pachyderm/inClusterPostgres.ts), the other `postgres.kind`.
 *
 * The type token keeps the class's first name, `AzurePostgres`: it is part of the URN of every child, and the
 * data-loss guard follows aliases only on the resource itself, so renaming it would read as a replacement.
 */
export class PostgresFlexibleServer extends pulumi.ComponentResource {
    public readonly server: dbforpostgresql.Server;
    public readonly databases: dbforpostgresql.Database[] = [];
    public readonly serverName: pulumi.Output<string>;
    /** Server FQDN: POSTGRES_HOST (sslmode require). */
    public readonly host: pulumi.Output<string>;
    public readonly port = 5432;
    /** Administrator login (a plain string: Pachyderm's POSTGRES_USER). */
    public readonly user: string = POSTGRES_ADMIN_USER;
    /** Administrator password (secret). */
    public readonly password: pulumi.Output<string>;

    constructor(name: string, args: PostgresFlexibleServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:postgres:AzurePostgres", name, {}, opts);
        const n = args.names;
        const serverName = globalName("psql", n);
        const guard = new StatefulGuard(this, args);

        // Letters and digits only: the password ends up in connection strings and URLs unescaped.
        const password = new random.RandomPassword(
            `${name}-admin-password`,
            {
                length: 32,
                special: false,
                minUpper: 2,
                minLower: 2,
                minNumeric: 2,
            },
            { parent: this },
        );
        this.password = pulumi.secret(password.result);

        // Private access: the server's own zone, which Azure fills with its A record.
        const { zone, vnetLink } = privateDnsZone(name, this, {
            names: n,
            resourceGroupName: args.resourceGroupName,
            tags: args.tags,
            zoneName: `${serverName}.private.postgres.database.azure.com`,
            vnetId: args.vnetId,
        });

        this.server = this.createServer(name, args, guard, zone.id, vnetLink);

        // Databases, then the configuration: the server accepts one write operation at a time.
        let previous: pulumi.Resource = this.server;
        for (const db of POSTGRES_DATABASES) {
            const d = new dbforpostgresql.Database(
                `${name}-db-${db}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    serverName: this.server.name,
                    databaseName: db,
                    charset: "UTF8",
                    collation: "en_US.utf8",
                },
                guard.options({ dependsOn: [previous] }),
            );
            this.databases.push(d);
            previous = d;
        }
        new dbforpostgresql.Configuration(
            `${name}-require-tls`,
            {
                resourceGroupName: args.resourceGroupName,
                serverName: this.server.name,
                configurationName: "require_secure_transport",
                value: "on",
                source: "user-override",
            },
            { parent: this, dependsOn: [previous] },
        );

        applyInterfaces(name, this, guard, args, {
            id: this.server.id,
            lock: {
                lockName: resourceName("lock", n, "psql"),
                notes: "Pachyderm's metadata database: remove only with the data owner's approval.",
            },
            logs: { suffix: "server", type: "Microsoft.DBforPostgreSQL/flexibleServers", resourceUri: this.server.id },
        });

        this.serverName = this.server.name;
        this.host = this.server.fullyQualifiedDomainName;

        this.registerOutputs({
            serverName: this.serverName,
            host: this.host,
            user: this.user,
            password: this.password,
        });
    }

    /** The server: private access through the delegated subnet and its own zone, HA and geo-backup by argument. */
    private createServer(
        name: string,
        args: PostgresFlexibleServerArgs,
        guard: StatefulGuard,
        zoneId: pulumi.Input<string>,
        vnetLink: pulumi.Resource,
    ): dbforpostgresql.Server {
        const zonal = args.zones.length > 0;
        const tenantId = args.entraAuth ? authorization.getClientConfigOutput({ parent: this }).tenantId : undefined;
        return new dbforpostgresql.Server(
            `${name}-server`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                serverName: globalName("psql", args.names),
                version: args.version,
                sku: { name: args.skuName, tier: args.skuTier },
                storage: { storageSizeGB: args.storageSizeGb, autoGrow: "Enabled" },
                backup: {
                    backupRetentionDays: args.backupRetentionDays,
                    geoRedundantBackup: args.geoRedundantBackup ? "Enabled" : "Disabled",
                },
                availabilityZone: zonal ? args.zones[0] : undefined,
                highAvailability: args.highAvailability
                    ? { mode: "ZoneRedundant", standbyAvailabilityZone: args.zones[1] }
                    : { mode: "Disabled" },
                network: {
                    delegatedSubnetResourceId: args.delegatedSubnetId,
                    privateDnsZoneArmResourceId: zoneId,
                    publicNetworkAccess: "Disabled",
                },
                authConfig: {
                    passwordAuth: "Enabled",
                    activeDirectoryAuth: args.entraAuth ? "Enabled" : "Disabled",
                    tenantId,
                },
                administratorLogin: POSTGRES_ADMIN_USER,
                administratorLoginPassword: this.password,
            },
            guard.options({
                // The server resolves its own name through the zone from the first boot.
                dependsOn: [vnetLink],
                // After an HA failover the primary and standby zones swap: that is not drift to undo.
                ignoreChanges: ["availabilityZone", "highAvailability.standbyAvailabilityZone"],
            }),
        );
    }
}
