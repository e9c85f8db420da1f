import { keysOf, rawFor } from "./helpers/configFixtures";

/**
 * Config is the one owner of validation (issue 13): every value a component once refused on its own
 * (validateStorageArgs, validateCosmosArgs, validatePostgresArgs, validatePachydermArgs, the ingress and
 * metadata-store checks) is refused by parseConfig, naming the key, before any resource is declared.
 * Each row names the component check it replaced; the refusal is exactly that key.
 */
const CONTAINER = (name: string, key = "/id") => `${name}:${key}`;

describe("config refuses, in dev, what the components used to refuse", () => {
    const dev: [string, Record<string, unknown>, string[]][] = [
        // Storage
        ["blob soft delete of 0 days", { storageBlobSoftDeleteDays: "0" }, ["storageBlobSoftDeleteDays"]],
        ["container soft delete over 365 days", { storageContainerSoftDeleteDays: "366" }, ["storageContainerSoftDeleteDays"]],
        ["container soft delete of 0 days", { storageContainerSoftDeleteDays: "0" }, ["storageContainerSoftDeleteDays"]],
        ["a restore window as long as soft delete", { storagePointInTimeRestoreDays: "7" }, ["storagePointInTimeRestoreDays"]],
        ["cold before cool", { storageCoolAfterDays: "90", storageColdAfterDays: "30" }, ["storageColdAfterDays"]],
        [
            "versions deleted within soft delete",
            { storageVersionsDeleteAfterDays: "7", storageVersionsCoolAfterDays: "1" },
            ["storageVersionsDeleteAfterDays"],
        ],
        // Cosmos DB
        ["no container", { cosmosContainers: "[]" }, ["cosmosContainers"]],
        ["duplicate containers", { cosmosContainers: JSON.stringify([CONTAINER("a"), CONTAINER("a", "/x")]) }, ["cosmosContainers"]],
        ["a serverless second region", { cosmosSecondaryLocation: "northeurope" }, ["cosmosSecondaryLocation"]],
        [
            "a second region equal to the first",
            { cosmosCapacityMode: "autoscale", cosmosSecondaryLocation: "westeurope" },
            ["cosmosSecondaryLocation"],
        ],
        ["throughput under 1000", { cosmosMaxThroughput: "500" }, ["cosmosMaxThroughput"]],
        ["throughput not a multiple of 1000", { cosmosMaxThroughput: "1500" }, ["cosmosMaxThroughput"]],
        // PostgreSQL Flexible Server
        ["retention under 14 days", { postgresBackupRetentionDays: "13" }, ["postgresBackupRetentionDays"]],
        ["retention over 35 days", { postgresBackupRetentionDays: "36" }, ["postgresBackupRetentionDays"]],
        ["storage under 32 GB", { postgresStorageSizeGb: "31" }, ["postgresStorageSizeGb"]],
        // Pachyderm
        ["namespace default", { pachydermNamespace: "default" }, ["pachydermNamespace"]],
        ["namespace kube-system", { pachydermNamespace: "kube-system" }, ["pachydermNamespace"]],
        ["namespace not a DNS label", { pachydermNamespace: "Pachyderm_NS" }, ["pachydermNamespace"]],
        ["version not MAJOR.MINOR.PATCH", { pachydermVersion: "2.12" }, ["pachydermVersion"]],
        ["no pachd replica", { pachdReplicas: "0" }, ["pachdReplicas"]],
        ["idle timeout over pachd's internal LB's 30", { ingressIdleTimeoutMinutes: "31" }, ["ingressIdleTimeoutMinutes"]],
        ["idle timeout under 4", { ingressIdleTimeoutMinutes: "3" }, ["ingressIdleTimeoutMinutes"]],
        [
            "an OIDC issuer over http",
            { pachydermOidcIssuer: "http://login.example.org/", pachydermOidcClientId: "pachd" },
            ["pachydermOidcIssuer"],
        ],
        // Ingress VM
        ["no ingress port", { ingressPorts: "[]" }, ["ingressPorts"]],
        ["duplicate ingress ports", { ingressPorts: "[443, 443]" }, ["ingressPorts"]],
        ["port 0", { ingressPorts: "[0]" }, ["ingressPorts[0]"]],
        ["port 65536", { ingressPorts: "[65536]" }, ["ingressPorts[0]"]],
        ["RDP load-balanced", { ingressPorts: "[443, 3389]" }, ["ingressPorts"]],
        ["the SSH NAT frontend port load-balanced", { ingressPorts: "[443, 50022]" }, ["ingressPorts"]],
        ["SSH from the internet", { ingressAdminSourceCidrs: JSON.stringify(["0.0.0.0/0"]) }, ["ingressAdminSourceCidrs[0]"]],
        ["no SSH key", { sshPublicKey: " " }, ["sshPublicKey"]],
        ["a reserved admin user", { adminUsername: "root" }, ["adminUsername"]],
        // Metadata stores
        ["two etcd members", { etcdReplicas: "2" }, ["etcdReplicas"]],
        ["no etcd member", { etcdReplicas: "0" }, ["etcdReplicas"]],
    ];
    it.each(dev)("dev: %s", (_what, overrides, keys) => {
        expect(new Set(keysOf(rawFor("dev", overrides)))).toEqual(new Set(keys));
    });
});

describe("config refuses, in prod, what the components used to refuse", () => {
    const prod: [string, Record<string, unknown>, string[]][] = [
        ["storage without geo-redundancy", { storageSku: "Standard_ZRS" }, ["storageSku"]],
        ["7-day Cosmos backup", { cosmosBackupTier: "Continuous7Days" }, ["cosmosBackupTier"]],
        ["Burstable PostgreSQL (no zone-redundant HA)", { postgresSkuTier: "Burstable" }, ["postgresSkuTier"]],
        ["one pachd replica", { pachdReplicas: "1" }, ["pachdReplicas"]],
        ["one etcd member", { etcdReplicas: "1" }, ["etcdReplicas"]],
        ["fewer than three zones (HA, one GlusterFS node per zone)", { zones: JSON.stringify(["1", "2"]) }, ["zones"]],
        ["LRS metadata disks", { metadataDiskSku: "Premium_LRS" }, ["metadataDiskSku"]],
    ];
    it.each(prod)("prod: %s", (_what, overrides, keys) => {
        expect(new Set(keysOf(rawFor("prod", overrides), "prod"))).toEqual(new Set(keys));
    });

    it("a stack name that is not a DNS label (the public IP's label carries it)", () => {
        expect(keysOf(rawFor("dev"), "Dev_Stack")).toEqual(["stack"]);
    });

    it("the committed stacks pass, so each refusal above is the override's", () => {
        expect(keysOf(rawFor("dev"))).toEqual([]);
        expect(keysOf(rawFor("prod"), "prod")).toEqual([]);
    });
});
