import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as storage from "@pulumi/azure-native/storage";
import * as types from "@pulumi/azure-native/types";
import { PlacementArgs, resourceName, storageAccountName } from "../lib/naming";
import { StatefulGuard } from "./azure/guard";
import { applyInterfaces, InterfaceArgs } from "./azure/interfaces";
import { privateLink } from "./azure/privateLink";
import { builtInRoleId, Grantee, roleAssignment } from "./azure/roles";
import { WORKLOAD_IDENTITY_SERVICE_ACCOUNTS } from "./pachyderm/names";

/** Built-in role "Storage Blob Data Contributor": read, write and delete blobs, nothing on the management plane. */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
/** Audience of the Entra ID token exchange for workload identity. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export type StorageSku = "Standard_LRS" | "Standard_ZRS" | "Standard_GZRS" | "Standard_RAGZRS";

export interface StorageLifecycleArgs {
    /** Current blobs not modified for this many days go to Cool (0 = never). */
    coolAfterDays: number;
    /** ... and to Cold (0 = never; greater than coolAfterDays). */
    coldAfterDays: number;
    /** Previous versions go to Cool this many days after they became previous versions (0 = never). */
    versionsCoolAfterDays: number;
    /** Previous versions are deleted this many days after they became previous versions (0 = kept forever). */
    versionsDeleteAfterDays: number;
}

export interface StorageArgs extends PlacementArgs, InterfaceArgs {
    sku: StorageSku;
    authMode: "workloadIdentity" | "sharedKey";
    containerName: string;
    blobSoftDeleteDays: number;
    containerSoftDeleteDays: number;
    /** 0 = point-in-time restore off (dev); else at most blobSoftDeleteDays - 1 (config refuses more). */
    pointInTimeRestoreDays: number;
    lifecycle: StorageLifecycleArgs;
    vnetId: pulumi.Input<string>;
    privateEndpointSubnetId: pulumi.Input<string>;
    /** Kubernetes namespace of Pachyderm: subject of the federated credentials. */
    namespace: string;
    /** OIDC issuer URL of the AKS cluster (workload identity). */
    oidcIssuerUrl: pulumi.Input<string>;
    /** ServiceAccounts federated with the identity; default pachyderm, pachyderm-worker, etcd-backup. */
    serviceAccounts?: readonly string[];
}

/**
 * Pachyderm's object store: one StorageV2 account (flat namespace: point-in-time restore needs it),
 * reachable only through a private endpoint, with every recovery feature Blob Storage has turned on
 * (soft delete of blobs and containers, versioning, change feed, point-in-time restore in production),
 * a lifecycle policy that never archives current data, and keyless access through a user-assigned
 * identity federated with Pachyderm's ServiceAccounts (or an account key, kept secret, in sharedKey mode).
 */
export class Storage extends pulumi.ComponentResource {
    public readonly account: storage.StorageAccount;
    public readonly blobService: storage.BlobServiceProperties;
    /** The data container: pass it in `dependsOn` of what needs the bucket (pachd restart-loops without it). */
    public readonly container: storage.BlobContainer;
    public readonly accountName: pulumi.Output<string>;
    public readonly accountId: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;
    /** `azblob://<container>`: Pachyderm's STORAGE_URL. */
    public readonly storageUrl: pulumi.Output<string>;
    /** `https://<account>.blob.core.windows.net/` (resolves to the private endpoint inside the VNet). */
    public readonly blobEndpoint: pulumi.Output<string>;
    /** workloadIdentity mode only: the user-assigned identity pachd and the workers use. */
    public readonly identityClientId?: pulumi.Output<string>;
    public readonly identityPrincipalId?: pulumi.Output<string>;
    public readonly identityId?: pulumi.Output<string>;
    /** workloadIdentity mode: the federated credentials pods need before they start (with the blob grant). */
    public readonly federatedCredentials: pulumi.Resource[] = [];
    /** sharedKey mode only: the primary account key, secret. */
    public readonly accountKey?: pulumi.Output<string>;
    public readonly privateEndpointIp: pulumi.Output<string | undefined>;
    private readonly baseName: string;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:storage:Storage", name, {}, opts);
        this.baseName = name;
        const n = args.names;
        const keyless = args.authMode === "workloadIdentity";
        const guard = new StatefulGuard(this, args);

        this.account = this.createAccount(name, args, guard);
        this.blobService = this.createBlobService(name, args, guard);
        this.container = new storage.BlobContainer(
            `${name}-container`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                containerName: args.containerName,
                publicAccess: "None",
                // No version-level immutability (docs/policy.md rule 13, advisory): Pachyderm's garbage collector deletes
                // unreferenced chunks; WORM would make the container grow forever. Soft delete + versioning +
                // point-in-time restore protect against deletion instead.
            },
            guard.options({ dependsOn: [this.blobService] }),
        );
        // The name as configured, available once the container exists (carries the dependency).
        this.containerName = this.container.id.apply(() => args.containerName);

        this.createLifecyclePolicy(name, args);

        const link = privateLink(`${name}-blob`, this, {
            ...args,
            suffix: "blob",
            targetId: this.account.id,
            groupId: "blob",
            zoneName: "privatelink.blob.core.windows.net",
            subnetId: args.privateEndpointSubnetId,
        });
        this.privateEndpointIp = link.ip;

        applyInterfaces(name, this, guard, args, {
            id: this.account.id,
            lock: {
                lockName: resourceName("lock", n, "st"),
                notes: "Pachyderm's object store: irreplaceable data. Remove only with the data owner's approval.",
            },
            logs: { suffix: "blob-service", type: "Microsoft.Storage/storageAccounts/blobServices", resourceUri: this.blobService.id },
        });

        if (keyless) {
            const identity = this.createWorkloadIdentity(name, args);
            this.identityClientId = identity.clientId;
            this.identityPrincipalId = identity.principalId;
            this.identityId = identity.id;
        } else {
            const keys = storage.listStorageAccountKeysOutput(
                { resourceGroupName: args.resourceGroupName, accountName: this.account.name },
                { parent: this },
            );
            this.accountKey = pulumi.secret(keys.keys.apply((k) => k[0]!.value));
        }

        this.accountName = this.account.name;
        this.accountId = this.account.id;
        this.storageUrl = pulumi.interpolate`azblob://${this.containerName}`;
        this.blobEndpoint = this.account.primaryEndpoints.apply((e) => e.blob);

        this.registerOutputs({
            accountName: this.accountName,
            accountId: this.accountId,
            containerName: this.containerName,
            storageUrl: this.storageUrl,
            blobEndpoint: this.blobEndpoint,
            identityClientId: this.identityClientId,
            identityPrincipalId: this.identityPrincipalId,
            identityId: this.identityId,
            accountKey: this.accountKey,
            privateEndpointIp: this.privateEndpointIp,
        });
    }

    /** The StorageV2 account: flat namespace, private endpoint only, Entra ID (keyless) or account key by auth mode. */
    private createAccount(name: string, args: StorageArgs, guard: StatefulGuard): storage.StorageAccount {
        return new storage.StorageAccount(
            `${name}-account`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                accountName: storageAccountName(args.names),
                kind: "StorageV2",
                sku: { name: args.sku },
                accessTier: "Hot",
                // Point-in-time restore, versioning and change feed need a flat namespace.
                isHnsEnabled: false,
                isSftpEnabled: false,
                enableHttpsTrafficOnly: true,
                minimumTlsVersion: "TLS1_2",
                allowBlobPublicAccess: false,
                // Keyless mode: only Entra ID tokens are accepted; shared keys and SAS built from them are refused.
                allowSharedKeyAccess: args.authMode !== "workloadIdentity",
                defaultToOAuthAuthentication: true,
                isLocalUserEnabled: false,
                allowCrossTenantReplication: false,
                // Reached only through the private endpoint. The VNet-rule alternative (default Deny + the AKS
                // subnet) would need the Microsoft.Storage service endpoint on that subnet and keeps the public
                // endpoint answering; with public access Disabled the network rules below are a second lock.
                publicNetworkAccess: "Disabled",
                networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
                encryption: {
                    keySource: "Microsoft.Storage",
                    // A second layer of AES-256 below the service encryption; it can only be set at creation.
                    requireInfrastructureEncryption: true,
                    services: {
                        blob: { enabled: true, keyType: "Account" },
                        file: { enabled: true, keyType: "Account" },
                    },
                },
            },
            guard.options(),
        );
    }

    /** Soft delete, versioning, change feed and point-in-time restore of the blobs. */
    private createBlobService(name: string, args: StorageArgs, guard: StatefulGuard): storage.BlobServiceProperties {
        const restore = args.pointInTimeRestoreDays;
        return new storage.BlobServiceProperties(
            `${name}-blob-service`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                blobServicesName: "default",
                // Deleted and overwritten blobs (and their versions) stay recoverable for this many days.
                deleteRetentionPolicy: { enabled: true, days: args.blobSoftDeleteDays, allowPermanentDelete: false },
                containerDeleteRetentionPolicy: { enabled: true, days: args.containerSoftDeleteDays },
                isVersioningEnabled: true,
                // Point-in-time restore replays the change feed backwards: keep it at least as long as the
                // restore window (and the soft-delete window, for auditing who deleted what).
                changeFeed: { enabled: true, retentionInDays: Math.max(args.blobSoftDeleteDays, restore + 1) },
                restorePolicy: restore > 0 ? { enabled: true, days: restore } : { enabled: false },
            },
            guard.options(),
        );
    }

    /**
     * The user-assigned identity pachd and the workers use, federated with Pachyderm's ServiceAccounts.
     * Azure rejects concurrent federated-credential writes on one identity: they are created one by one.
     */
    private createWorkloadIdentity(name: string, args: StorageArgs): managedidentity.UserAssignedIdentity {
        const identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
                resourceName: resourceName("id", args.names, "pachyderm"),
            },
            { parent: this },
        );
        let previous: pulumi.Resource | undefined;
        for (const sa of args.serviceAccounts ?? WORKLOAD_IDENTITY_SERVICE_ACCOUNTS) {
            previous = new managedidentity.FederatedIdentityCredential(
                `${name}-fic-${sa}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: identity.name,
                    federatedIdentityCredentialResourceName: sa,
                    issuer: args.oidcIssuerUrl,
                    subject: `system:serviceaccount:${args.namespace}:${sa}`,
                    audiences: [TOKEN_EXCHANGE_AUDIENCE],
                },
                { parent: this, dependsOn: previous ? [previous] : [] },
            );
            this.federatedCredentials.push(previous);
        }
        return identity;
    }

    /**
     * Storage Blob Data Contributor for `grantee` on the data container, not the account: read, write and
     * delete Pachyderm's chunks (and the etcd snapshots under etcd-snapshots/), nothing else, nothing on
     * the management plane. Named `<component>-blob-data-contributor[-<key>]`: give a key from the
     * second grantee on.
     */
    public grantBlobDataContributor(grantee: Grantee, key?: string): authorization.RoleAssignment {
        return roleAssignment(`${this.baseName}-blob-data-contributor${key ? `-${key}` : ""}`, this, {
            ...grantee,
            scope: pulumi.interpolate`${this.account.id}/blobServices/default/containers/${this.containerName}`,
            roleDefinitionId: builtInRoleId(STORAGE_BLOB_DATA_CONTRIBUTOR, { parent: this }),
        });
    }

    /**
     * Cost tiers for the ~100 TB that accumulate. Current data only ever goes to Cool and Cold, both
     * online with millisecond first-byte latency: Pachyderm reads any chunk at random when a job or a
     * `pachctl get file` needs it, and an Archive blob is offline (hours of rehydration) — a read of one
     * would fail the job. Previous versions (overwritten or deleted chunks, kept for recovery) are
     * tiered down and, when configured, deleted after a window longer than soft delete.
     */
    private createLifecyclePolicy(name: string, args: StorageArgs): void {
        const l = args.lifecycle;
        const filters = { blobTypes: ["blockBlob"], prefixMatch: [`${args.containerName}/`] };
        const rules: types.input.storage.ManagementPolicyRuleArgs[] = [];
        const baseBlob: types.input.storage.ManagementPolicyBaseBlobArgs = {
            ...(l.coolAfterDays > 0 ? { tierToCool: { daysAfterModificationGreaterThan: l.coolAfterDays } } : {}),
            ...(l.coldAfterDays > 0 ? { tierToCold: { daysAfterModificationGreaterThan: l.coldAfterDays } } : {}),
        };
        if (Object.keys(baseBlob).length > 0) {
            rules.push({ name: "tier-current-blobs", enabled: true, type: "Lifecycle", definition: { filters, actions: { baseBlob } } });
        }
        const version: types.input.storage.ManagementPolicyVersionArgs = {
            ...(l.versionsCoolAfterDays > 0 ? { tierToCool: { daysAfterCreationGreaterThan: l.versionsCoolAfterDays } } : {}),
            ...(l.versionsDeleteAfterDays > 0 ? { delete: { daysAfterCreationGreaterThan: l.versionsDeleteAfterDays } } : {}),
        };
        if (Object.keys(version).length > 0) {
            rules.push({ name: "previous-versions", enabled: true, type: "Lifecycle", definition: { filters, actions: { version } } });
        }
        if (rules.length === 0) return;
        new storage.ManagementPolicy(
            `${name}-lifecycle`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                managementPolicyName: "default",
                policy: { rules },
            },
            { parent: this, dependsOn: [this.blobService] },
        );
    }
}
