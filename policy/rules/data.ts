/** Data services (docs/policy.md rules 29-33): Cosmos DB, PostgreSQL, metadata disks, Key Vault. */
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isGlusterBrickDiskName } from "../../lib/naming";
import { K8S } from "../k8s";
import { asArray, envConfigSchema, eqi, inI, num, ofType, Props, refersTo, resourceEnv, stackEnv, stackWith } from "../util";
import { at, mandatory } from "./common";

export const cosmosSecurity: StackValidationPolicy = {
    name: "cosmos-keyless-private-tls12",
    description:
        "Rule 29 (CKV_AZURE_140, CKV_AZURE_132, CKV_AZURE_101, CKV_AZURE_99): Cosmos DB local (key) auth off, key-based metadata writes off, public network access off with a private endpoint, TLS 1.2.",
    enforcementLevel: mandatory,
    validateStack: stackWith(["azure-native:cosmosdb:DatabaseAccount"], (args, report) => {
        for (const acc of ofType(args.resources, "azure-native:cosmosdb:DatabaseAccount")) {
            const p = acc.props ?? {};
            const where = at(report, acc);
            if (p.disableLocalAuth !== true) where("disableLocalAuth must be true");
            if (p.disableKeyBasedMetadataWriteAccess !== true) where("disableKeyBasedMetadataWriteAccess must be true");
            if (!eqi(p.publicNetworkAccess, "Disabled")) where(`publicNetworkAccess is '${p.publicNetworkAccess}', must be Disabled`);
            if (!eqi(p.minimalTlsVersion, "Tls12")) where(`minimalTlsVersion is '${p.minimalTlsVersion}', must be Tls12`);
            if (asArray(p.ipRules).length > 0) where("ipRules must be empty");
            const pes = ofType(args.resources, "azure-native:network:PrivateEndpoint").filter((pe) =>
                asArray<Props>(pe.props?.privateLinkServiceConnections).some((c) => refersTo(pe, acc, c)),
            );
            if (pes.length === 0) where("no private endpoint connects to this account");
        }
    }),
};

export const cosmosBackup: ResourceValidationPolicy = {
    name: "cosmos-continuous-backup-resilience",
    description:
        "Rule 30 (Azure.Cosmos / APRL): Cosmos DB continuous backup (Continuous30Days in production); production: zone-redundant location(s) and automatic failover.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateResource: validateResourceOfType(cosmosdb.DatabaseAccount, (acc, args, report) => {
        const bp = acc.backupPolicy as Props | undefined;
        if (bp?.type !== "Continuous") {
            report(`backupPolicy.type is '${bp?.type}', must be Continuous`);
        }
        if (resourceEnv(args) !== "prod") return;
        if (bp?.type === "Continuous" && bp.continuousModeProperties?.tier !== "Continuous30Days")
            report("backupPolicy.continuousModeProperties.tier must be Continuous30Days in production");
        const locs = asArray<Props>(acc.locations);
        if (locs.length === 0 || !locs.every((l) => l.isZoneRedundant === true))
            report("every location must be isZoneRedundant in production");
        if (acc.enableAutomaticFailover !== true) report("enableAutomaticFailover must be true in production");
    }),
};

function ipToNum(ip: unknown): number | undefined {
    if (typeof ip !== "string") return undefined;
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
    return parts.reduce((n, octet) => n * 256 + octet, 0);
}

export const postgres: StackValidationPolicy = {
    name: "postgres-private-tls-backup-ha",
    description:
        "Rule 31 (CKV_AZURE_136, CKV2_AZURE_26, CKV2_AZURE_57): PostgreSQL Flexible Server private access only (delegated subnet and private DNS zone), no open firewall rule, TLS required, backup retention 14+ days; production: geo-redundant backup and zone-redundant HA.",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: stackWith(["azure-native:dbforpostgresql:Server"], (args, report) => {
        const prod = stackEnv(args) === "prod";
        for (const s of ofType(args.resources, "azure-native:dbforpostgresql:Server")) {
            const p = s.props ?? {};
            const where = at(report, s);
            if (!p.network?.delegatedSubnetResourceId) where("network.delegatedSubnetResourceId must be set (private access)");
            if (!p.network?.privateDnsZoneArmResourceId) where("network.privateDnsZoneArmResourceId must be set");
            if (eqi(p.network?.publicNetworkAccess, "Enabled")) where("network.publicNetworkAccess must not be Enabled");
            if (!((num(p.backup?.backupRetentionDays) ?? 7) >= 14))
                where(`backup.backupRetentionDays is ${p.backup?.backupRetentionDays ?? "unset (7)"}, needs 14 or more`);
            if (prod && !eqi(p.backup?.geoRedundantBackup, "Enabled")) where("backup.geoRedundantBackup must be Enabled in production");
            if (prod && !eqi(p.highAvailability?.mode, "ZoneRedundant")) where("highAvailability.mode must be ZoneRedundant in production");
        }
        for (const fw of ofType(args.resources, "azure-native:dbforpostgresql:FirewallRule")) {
            const start = ipToNum(fw.props?.startIpAddress);
            const end = ipToNum(fw.props?.endIpAddress);
            if (start === 0 || end === 0xffffffff || (start !== undefined && end !== undefined && end - start >= 0xffff)) {
                at(report, fw)(`firewall rule ${fw.props?.startIpAddress}-${fw.props?.endIpAddress} opens the server`);
            }
        }
        for (const c of ofType(args.resources, "azure-native:dbforpostgresql:Configuration")) {
            const name = c.props?.configurationName ?? c.name;
            if (eqi(name, "require_secure_transport") && eqi(c.props?.value, "off")) at(report, c)("require_secure_transport must stay on");
        }
    }),
};

const DISK_CSI = "disk.csi.azure.com";

export const metadataDisks: StackValidationPolicy = {
    name: "metadata-disk-hardened",
    description:
        "Rule 32 (Azure.Disk / CKV_AZURE_251 family): managed-disk metadata store: Premium_ZRS in production, network access DenyAll, public network access off, encrypted. Applies to compute Disks and to Azure Disk CSI StorageClasses. GlusterFS brick disks (disk-*-gfs<i>-brick) are zonal by design: in production they must instead span zones 1-3 (Gluster replicates across them).",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: (args, report) => {
        const disks = ofType(args.resources, "azure-native:compute:Disk");
        const classes = ofType(args.resources, K8S.StorageClass).filter((c) => c.props?.provisioner === DISK_CSI);
        if (disks.length + classes.length === 0) args.notApplicable("no managed disks");
        const prod = stackEnv(args) === "prod";
        const bricks = disks.filter((d) => isGlusterBrickDiskName(d.props?.diskName));
        const brickZones = new Set(
            bricks
                .map((d) => asArray<string>(d.props?.zones))
                .filter((z) => z.length === 1)
                .map((z) => z[0]),
        );
        const [firstBrick] = bricks;
        if (prod && firstBrick && (bricks.length < 3 || brickZones.size < 3)) {
            at(
                report,
                firstBrick,
            )(`GlusterFS bricks span zones [${[...brickZones].sort().join(",")}]: production requires one brick in each of zones 1-3`);
        }
        for (const d of disks) {
            const p = d.props ?? {};
            const where = at(report, d);
            if (prod && !isGlusterBrickDiskName(p.diskName) && p.sku?.name !== "Premium_ZRS")
                where(`sku.name is '${p.sku?.name}', production requires Premium_ZRS`);
            if (p.networkAccessPolicy !== "DenyAll") where(`networkAccessPolicy is '${p.networkAccessPolicy}', must be DenyAll`);
            if (p.publicNetworkAccess !== "Disabled") where(`publicNetworkAccess is '${p.publicNetworkAccess}', must be Disabled`);
            if (
                !inI(p.encryption?.type, [
                    "EncryptionAtRestWithPlatformKey",
                    "EncryptionAtRestWithCustomerKey",
                    "EncryptionAtRestWithPlatformAndCustomerKeys",
                ])
            ) {
                where("encryption.type must be set (EncryptionAtRestWithPlatformKey or a customer key)");
            }
        }
        for (const c of classes) {
            const params: Props = c.props?.parameters ?? {};
            const where = at(report, c);
            const sku = params.skuName ?? params.skuname;
            if (prod && sku !== "Premium_ZRS") where(`parameters.skuName is '${sku}', production requires Premium_ZRS`);
            if (params.networkAccessPolicy !== "DenyAll")
                where(`parameters.networkAccessPolicy is '${params.networkAccessPolicy}', must be DenyAll`);
            if (params.publicNetworkAccess !== "Disabled")
                where(`parameters.publicNetworkAccess is '${params.publicNetworkAccess}', must be Disabled`);
        }
    },
};

export const keyVault: ResourceValidationPolicy = {
    name: "keyvault-hardened",
    description:
        "Rule 33 (CKV_AZURE_42, CKV_AZURE_110, CKV_AZURE_109, Azure.KeyVault.PurgeProtect): Key Vault purge protection, soft delete, RBAC authorization, network default action Deny.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(keyvault.Vault, (v, _args, report) => {
        const p = v.properties ?? ({} as Props);
        if (p.enablePurgeProtection !== true) report("properties.enablePurgeProtection must be true");
        if (p.enableSoftDelete === false) report("properties.enableSoftDelete must not be false");
        if (p.enableRbacAuthorization !== true) report("properties.enableRbacAuthorization must be true");
        if (!eqi(p.networkAcls?.defaultAction, "Deny")) report("properties.networkAcls.defaultAction must be Deny");
    }),
};
