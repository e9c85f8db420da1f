import { CheckContext } from "./context";
import { ConfigKey, ProdWaiver } from "./schema";

/**
 * The prod baseline. Hard requirements are refused outright; the settings in WAIVABLE lower prod's protection
 * in ways a team may choose on purpose, and need a waiver with a reason in `prodWaivers` (listed by the plan
 * and the PR plan diff). Outside prod, waivers mean nothing and are refused so that none lingers unseen.
 */
export function checkProdBaseline(c: CheckContext): void {
    const { v } = c;
    if (!c.prod) return;
    const need = (key: ConfigKey, cond: boolean, message: string) => {
        if (c.ok(key) && !cond) c.add(key, `production requires ${message}`);
    };
    need("zones", JSON.stringify([...(v.zones ?? [])].sort()) === JSON.stringify(["1", "2", "3"]), `zones ["1","2","3"]`);
    need("aksTier", v.aksTier !== "Free", "aksTier Standard or Premium");
    need("aksSystemNodeCount", (v.aksSystemNodeCount ?? 0) >= 3, "aksSystemNodeCount of 3 or more");
    need("aksUserMinCount", (v.aksUserMinCount ?? 0) >= 2, "aksUserMinCount of 2 or more");
    need(
        "aksSystemCriticalAddonsOnly",
        v.aksSystemCriticalAddonsOnly === true,
        "aksSystemCriticalAddonsOnly true (the system pool runs only critical add-ons)",
    );
    need("aksDisableLocalAccounts", v.aksDisableLocalAccounts === true, "aksDisableLocalAccounts true");
    need(
        "storageSku",
        v.storageSku === "Standard_GZRS" || v.storageSku === "Standard_RAGZRS",
        "storageSku Standard_GZRS or Standard_RAGZRS",
    );
    need("storageBlobSoftDeleteDays", (v.storageBlobSoftDeleteDays ?? 0) >= 30, "storageBlobSoftDeleteDays of 30 or more");
    need("storageContainerSoftDeleteDays", (v.storageContainerSoftDeleteDays ?? 0) >= 30, "storageContainerSoftDeleteDays of 30 or more");
    need(
        "storagePointInTimeRestoreDays",
        (v.storagePointInTimeRestoreDays ?? 0) > 0,
        "point-in-time restore (storagePointInTimeRestoreDays > 0)",
    );
    need("metadataDiskSku", v.metadataDiskSku === "Premium_ZRS", "metadataDiskSku Premium_ZRS");
    need("etcdReplicas", v.etcdReplicas === 3, "etcdReplicas 3");
    need("pachdReplicas", (v.pachdReplicas ?? 0) >= 2, "pachdReplicas of 2 or more");
    need(
        "cosmosCapacityMode",
        v.cosmosCapacityMode === "autoscale",
        "cosmosCapacityMode autoscale (serverless has no zone redundancy or failover)",
    );
    need("cosmosBackupTier", v.cosmosBackupTier === "Continuous30Days", "cosmosBackupTier Continuous30Days");
    need(
        "postgresSkuTier",
        v.postgresKind !== "azureFlexible" || v.postgresSkuTier !== "Burstable",
        "postgresSkuTier GeneralPurpose or MemoryOptimized (zone-redundant HA)",
    );

    const waivable = (name: ProdWaiver, key: ConfigKey, weakened: boolean, what: string) => {
        if (c.ok(key) && weakened && !c.waived(name)) {
            c.add(key, `${what} lowers prod below its baseline: set it back, or add the waiver prodWaivers.${name}: "<reason>"`);
        }
    };
    waivable(
        "postgres-in-cluster",
        "postgresKind",
        v.postgresKind === "inCluster",
        "in-cluster PostgreSQL (no zone-redundant HA, no geo-redundant backup)",
    );
    waivable(
        "storage-shared-key",
        "storageAuthMode",
        v.storageAuthMode === "sharedKey",
        "sharedKey storage access (an account key in the cluster instead of keyless identity)",
    );
    waivable(
        "no-encryption-at-host",
        "aksEncryptionAtHost",
        v.aksEncryptionAtHost === false,
        "aksEncryptionAtHost false (node temp disks and caches unencrypted)",
    );
    waivable(
        "no-encryption-at-host",
        "ingressEncryptionAtHost",
        v.ingressEncryptionAtHost === false,
        "ingressEncryptionAtHost false (the VM's temp disk and caches unencrypted)",
    );
    waivable(
        "cosmos-single-region",
        "cosmosSecondaryLocation",
        v.cosmosSecondaryLocation === "",
        "Cosmos DB without cosmosSecondaryLocation (no regional failover)",
    );
}

/** Waivers listed outside prod are refused; waivers that waive nothing are a warning (and never listed as in force). */
export function checkWaiversUsed(c: CheckContext, used: ReadonlySet<ProdWaiver>): void {
    if (!c.ok("prodWaivers")) return;
    for (const name of Object.keys(c.v.prodWaivers!) as ProdWaiver[]) {
        if (!c.prod) c.add(`prodWaivers.${name}`, "waivers apply to environment prod only: remove it");
        else if (!used.has(name)) c.warn(`prodWaivers.${name} waives nothing this stack sets: remove it`);
    }
}
