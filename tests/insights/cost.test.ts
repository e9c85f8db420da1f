import { diskTier, estimateCost, lookupPrice, PRICES } from "../../insights/cost";
import { component, plan, res } from "./fixtures";

const H = 730;
const usd = (key: string): number => {
    const e = PRICES.meters[key];
    if (!e) throw new Error(`fixture expects meter ${key} in prices.json`);
    return e.usd;
};
/** A usage assumption of prices.json (fails loudly when the table lost it). */
const assumed = (key: string): number => {
    const v = PRICES.usageAssumptions[key]?.value;
    if (typeof v !== "number") throw new Error(`fixture expects usage assumption ${key} in prices.json`);
    return v;
};
const WESTEUROPE = PRICES.regions.westeurope?.multiplier ?? NaN;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("price table", () => {
    it("every meter has a unit, a non-negative price, a source and a date", () => {
        for (const [key, e] of Object.entries(PRICES.meters)) {
            expect(key).toMatch(/^[a-z]+\|[^|]+\|[a-z0-9*]+$/);
            expect(e.unit).toBeTruthy();
            expect(e.usd).toBeGreaterThanOrEqual(0);
            expect(e.source).toMatch(/^https?:\/\//);
            expect(e.asOf).toMatch(/^\d{4}-\d{2}/);
        }
    });

    it("covers the VM sizes the stacks use and the documented regions", () => {
        for (const vm of [
            "Standard_D2s_v5",
            "Standard_D4s_v5",
            "Standard_D8s_v5",
            "Standard_D2ds_v5",
            "Standard_D4ds_v5",
            "Standard_D8ds_v5",
            "Standard_B2s",
            "Standard_B2ms",
            "Standard_D4as_v5",
        ]) {
            for (const region of ["eastus2", "westeurope", "northeurope", "West Europe"])
                expect(lookupPrice(PRICES, "vm", vm, region)).toBeDefined();
        }
        expect(lookupPrice(PRICES, "vm", "Standard_D4s_v5", "westeurope")!.usd).toBeCloseTo(
            usd("vm|Standard_D4s_v5|eastus2") * WESTEUROPE,
            10,
        );
        expect(lookupPrice(PRICES, "vm", "Standard_D4s_v5", "swedencentral")).toBeUndefined();
        // flat meters are the same everywhere, without a multiplier
        expect(lookupPrice(PRICES, "aks", "Standard", "westeurope")!.usd).toBe(usd("aks|Standard|*"));
    });

    it("maps GiB to the disk tier Azure bills (rounding up)", () => {
        expect(diskTier("Premium_ZRS", 256)).toBe("P15");
        expect(diskTier("Premium_ZRS", 257)).toBe("P20");
        expect(diskTier("Premium_LRS", 128)).toBe("P10");
        expect(diskTier("StandardSSD_LRS", 1024)).toBe("E30");
        expect(diskTier("Standard_LRS", 128)).toBeUndefined();
        expect(diskTier("Premium_LRS", 9000)).toBeUndefined();
    });
});

const aksComp = component("pachlab:platform:Aks", "aks");
const cluster = res("azure-native:containerservice:ManagedCluster", "cluster", {
    parent: aksComp.urn,
    inputs: {
        location: "eastus2",
        sku: { name: "Base", tier: "Standard" },
        agentPoolProfiles: [{ name: "system", vmSize: "Standard_D4ds_v5", count: 3, osDiskType: "Ephemeral" }],
    },
});
const userPool = res("azure-native:containerservice:AgentPool", "user", {
    parent: aksComp.urn,
    deps: [cluster.urn],
    inputs: { agentPoolName: "user", vmSize: "Standard_D8ds_v5", enableAutoScaling: true, minCount: 3, maxCount: 12, count: 3 },
});

describe("estimateCost: AKS pools, hours and unpriced SKUs", () => {
    it("prices the AKS tier, a fixed system pool and an autoscaled pool (min..max, midpoint expected)", () => {
        const r = estimateCost(plan(aksComp, cluster, userPool), { location: "eastus2", dataTb: 0 });
        const tier = usd("aks|Standard|*") * H;
        const system = 3 * H * usd("vm|Standard_D4ds_v5|eastus2");
        const d8 = usd("vm|Standard_D8ds_v5|eastus2");
        expect(r.lines.map((l) => l.meter)).toEqual(["aks|Standard|*", "vm|Standard_D4ds_v5|eastus2", "vm|Standard_D8ds_v5|eastus2"]);
        const user = r.lines[2]!;
        expect(user.quantity).toBe(7.5 * H);
        expect(user.monthlyUsd).toBeCloseTo(7.5 * H * d8, 2);
        expect(user.monthlyUsdMin).toBeCloseTo(3 * H * d8, 2);
        expect(user.monthlyUsdMax).toBeCloseTo(12 * H * d8, 2);
        expect(user.assumption).toContain("3..12");
        // exact arithmetic with the table's numbers: 0.10*730 + 3*730*0.226 + 7.5*730*0.452
        expect(r.totalMonthlyUsd).toBeCloseTo(tier + system + 7.5 * H * d8, 2);
        expect(r.totalMonthlyUsdMin).toBeCloseTo(tier + system + 3 * H * d8, 2);
        expect(r.totalMonthlyUsdMax).toBeCloseTo(tier + system + 12 * H * d8, 2);
        expect(r.components).toEqual({
            aks: { monthlyUsd: r.totalMonthlyUsd, monthlyUsdMin: r.totalMonthlyUsdMin, monthlyUsdMax: r.totalMonthlyUsdMax },
        });
        expect(r.unpriced).toEqual([]);
    });

    it("honours hoursPerMonth", () => {
        const r = estimateCost(plan(cluster), { location: "eastus2", dataTb: 0, hoursPerMonth: 100 });
        expect(r.totalMonthlyUsd).toBeCloseTo(usd("aks|Standard|*") * 100 + 3 * 100 * usd("vm|Standard_D4ds_v5|eastus2"), 2);
    });

    it("reports an unknown SKU or region as unpriced and does not count it", () => {
        const ok = res("azure-native:compute:VirtualMachine", "ingress", { inputs: { hardwareProfile: { vmSize: "Standard_D2s_v5" } } });
        const badSku = res("azure-native:compute:VirtualMachine", "weird", { inputs: { hardwareProfile: { vmSize: "Standard_Z99_v9" } } });
        const badRegion = res("azure-native:compute:VirtualMachine", "far", {
            inputs: { location: "swedencentral", hardwareProfile: { vmSize: "Standard_D2s_v5" } },
        });
        const r = estimateCost(plan(ok, badSku, badRegion), { location: "eastus2", dataTb: 0 });
        expect(r.lines).toHaveLength(1);
        expect(r.totalMonthlyUsd).toBeCloseTo(H * usd("vm|Standard_D2s_v5|eastus2"), 2);
        expect(r.unpriced).toEqual([
            { urn: badSku.urn, type: badSku.type, reason: "no price for VM size 'Standard_Z99_v9' in eastus2" },
            { urn: badRegion.urn, type: badRegion.type, reason: "no price for VM size 'Standard_D2s_v5' in swedencentral" },
        ]);
    });
});

describe("estimateCost: regions, free kinds and disks", () => {
    it("applies the documented regional multiplier and says so", () => {
        const vm = res("azure-native:compute:VirtualMachine", "ingress", { inputs: { hardwareProfile: { vmSize: "Standard_D2s_v5" } } });
        const r = estimateCost(plan(vm), { location: "West Europe", dataTb: 0 });
        expect(r.totalMonthlyUsd).toBeCloseTo(H * usd("vm|Standard_D2s_v5|eastus2") * WESTEUROPE, 2);
        expect(r.lines[0]?.assumption).toContain("estimated regional multiplier");
        expect(r.assumptions.join("\n")).toContain("westeurope = eastus2 x");
    });

    it("lists free kinds with a reason and unknown types as unpriced", () => {
        const p = plan(
            res("azure-native:resources:ResourceGroup", "rg"),
            res("azure-native:network:VirtualNetwork", "vnet"),
            res("azure-native:network:Subnet", "aks"),
            res("azure-native:network:NetworkSecurityGroup", "nsg"),
            res("azure-native:managedidentity:UserAssignedIdentity", "id"),
            res("azure-native:authorization:RoleAssignment", "ra"),
            res("kubernetes:core/v1:Namespace", "ns"),
            res("kubernetes:apps/v1:StatefulSet", "etcd"),
            res("random:index/randomPassword:RandomPassword", "pw"),
            res("azure-native:cache:Redis", "redis"),
        );
        const r = estimateCost(p, { location: "eastus2", dataTb: 5 });
        expect(r.free).toHaveLength(9);
        expect(r.free.every((f) => f.reason.length > 0)).toBe(true);
        expect(r.lines).toEqual([]);
        expect(r.totalMonthlyUsd).toBe(0);
        expect(r.unpriced).toEqual([
            { urn: p.resources[10]?.urn, type: "azure-native:cache:Redis", reason: "no cost model for this resource type" },
        ]);
    });

    it("prices managed disks by tier and leaves HDD / oversized disks unpriced", () => {
        const etcd = res("azure-native:compute:Disk", "etcd-0", { inputs: { sku: { name: "Premium_ZRS" }, diskSizeGB: 256 } });
        const brick = res("azure-native:compute:Disk", "brick", { inputs: { sku: { name: "StandardSSD_LRS" }, diskSizeGB: 512 } });
        const hdd = res("azure-native:compute:Disk", "hdd", { inputs: { sku: { name: "Standard_LRS" }, diskSizeGB: 512 } });
        const r = estimateCost(plan(etcd, brick, hdd), { location: "eastus2", dataTb: 0 });
        expect(r.lines.map((l) => [l.meter, l.monthlyUsd])).toEqual([
            ["disk|Premium_ZRS-P15|eastus2", usd("disk|Premium_ZRS-P15|eastus2")],
            ["disk|StandardSSD_LRS-E20|eastus2", usd("disk|StandardSSD_LRS-E20|eastus2")],
        ]);
        expect(r.unpriced.map((u) => u.urn)).toEqual([hdd.urn]);
    });
});

describe("estimateCost: Blob Storage tiers", () => {
    it("splits the data volume across tiers from the lifecycle rule's days", () => {
        const sa = res("azure-native:storage:StorageAccount", "data", {
            inputs: { accountName: "pachdata", sku: { name: "Standard_GZRS" }, accessTier: "Hot" },
        });
        const policy = res("azure-native:storage:ManagementPolicy", "lifecycle", {
            deps: [sa.urn],
            inputs: {
                accountName: "pachdata",
                policy: {
                    rules: [
                        {
                            name: "tiering",
                            enabled: true,
                            type: "Lifecycle",
                            definition: {
                                actions: {
                                    baseBlob: {
                                        tierToCool: { daysAfterModificationGreaterThan: 30 },
                                        tierToCold: { daysAfterModificationGreaterThan: 180 },
                                    },
                                },
                            },
                        },
                    ],
                },
            },
        });
        const r = estimateCost(plan(sa, policy), { location: "eastus2", dataTb: 10 });
        const gb = 10 * 1024;
        const expected =
            gb *
            ((30 / 365) * usd("blob|GZRS-Hot|eastus2") +
                (150 / 365) * usd("blob|GZRS-Cool|eastus2") +
                (185 / 365) * usd("blob|GZRS-Cold|eastus2"));
        expect(r.lines.map((l) => l.meter)).toEqual(["blob|GZRS-Hot|eastus2", "blob|GZRS-Cool|eastus2", "blob|GZRS-Cold|eastus2"]);
        expect(sum(r.lines.map((l) => l.quantity))).toBeCloseTo(gb, 6);
        expect(r.totalMonthlyUsd).toBeCloseTo(expected, 2);
        expect(r.assumptions.some((a) => a.includes("Cool after 30 d, Cold after 180 d"))).toBe(true);
    });

    it("keeps all data in the account tier when there is no lifecycle rule", () => {
        const sa = res("azure-native:storage:StorageAccount", "data", { inputs: { sku: { name: "Standard_LRS" } } });
        const r = estimateCost(plan(sa), { location: "eastus2", dataTb: 2 });
        expect(r.lines.map((l) => [l.meter, l.quantity])).toEqual([["blob|LRS-Hot|eastus2", 2048]]);
        expect(r.totalMonthlyUsd).toBeCloseTo(2048 * usd("blob|LRS-Hot|eastus2"), 2);
    });
});

describe("estimateCost: Cosmos DB and networking", () => {
    it("prices Cosmos DB serverless by RU consumed and autoscale per region", () => {
        const gb = assumed("cosmosStorageGb");
        const mru = assumed("cosmosServerlessMillionRuPerMonth");
        const serverless = res("azure-native:cosmosdb:DatabaseAccount", "dev", {
            inputs: { accountName: "dev", capabilities: [{ name: "EnableServerless" }], locations: [{ locationName: "eastus2" }] },
        });
        const s = estimateCost(plan(serverless), { location: "eastus2", dataTb: 0 });
        expect(s.totalMonthlyUsd).toBeCloseTo(mru * usd("cosmos|serverless-ru|eastus2") + gb * usd("cosmos|storage|eastus2"), 2);

        const acct = res("azure-native:cosmosdb:DatabaseAccount", "prod", {
            inputs: { accountName: "prod", locations: [{ locationName: "eastus2" }, { locationName: "eastus" }] },
        });
        const db = res("azure-native:cosmosdb:SqlResourceSqlDatabase", "labmeta", {
            deps: [acct.urn],
            inputs: { accountName: "prod", options: { autoscaleSettings: { maxThroughput: 4000 } } },
        });
        const r = estimateCost(plan(acct, db), { location: "eastus2", dataTb: 0 });
        const rate = usd("cosmos|autoscale|eastus2");
        const dbLines = r.lines.filter((l) => l.urn === db.urn);
        expect(dbLines).toHaveLength(2);
        expect(sum(dbLines.map((l) => l.monthlyUsd))).toBeCloseTo(2 * 22 * rate * H, 2); // 2200 RU/s expected
        expect(sum(dbLines.map((l) => l.monthlyUsdMin))).toBeCloseTo(2 * 4 * rate * H, 2); // 400 RU/s floor
        expect(sum(dbLines.map((l) => l.monthlyUsdMax))).toBeCloseTo(2 * 40 * rate * H, 2);
        expect(r.totalMonthlyUsd).toBeCloseTo(2 * 22 * rate * H + 2 * gb * usd("cosmos|storage|eastus2"), 2);
    });

    it("prices the Standard load balancer by rule count and the public IP per hour", () => {
        const rules = Array.from({ length: 7 }, (_, i) => ({ name: `r${i}` }));
        const lb = res("azure-native:network:LoadBalancer", "ilb", {
            inputs: {
                sku: { name: "Standard" },
                loadBalancingRules: rules,
                frontendIPConfigurations: [{ name: "fe", privateIPAddress: "10.0.0.4" }],
            },
        });
        const pip = res("azure-native:network:PublicIPAddress", "pip", { inputs: { sku: { name: "Standard" } } });
        const basic = res("azure-native:network:PublicIPAddress", "old", { inputs: { sku: { name: "Basic" } } });
        const r = estimateCost(plan(lb, pip, basic), { location: "eastus2", dataTb: 0 });
        expect(r.totalMonthlyUsd).toBeCloseTo(
            H * usd("lb|Standard-first5rules|*") + 2 * H * usd("lb|Standard-extra-rule|*") + H * usd("pip|Standard|*"),
            2,
        );
        expect(r.unpriced.map((u) => u.urn)).toEqual([basic.urn]);
    });
});

describe("estimateCost: PostgreSQL, Log Analytics and components", () => {
    it("doubles PostgreSQL compute and storage with zone-redundant HA and adds geo backup", () => {
        const pg = res("azure-native:dbforpostgresql:Server", "pg", {
            inputs: {
                sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
                storage: { storageSizeGB: 128 },
                highAvailability: { mode: "ZoneRedundant" },
                backup: { geoRedundantBackup: "Enabled", backupRetentionDays: 14 },
            },
        });
        const r = estimateCost(plan(pg), { location: "eastus2", dataTb: 0 });
        expect(r.lines.map((l) => [l.meter, l.quantity])).toEqual([
            ["pg|Standard_D2ds_v5|eastus2", 2 * H],
            ["pg|storage|eastus2", 256],
            ["pg|backup-geo|eastus2", 128],
        ]);
        expect(r.totalMonthlyUsd).toBeCloseTo(
            2 * H * usd("pg|Standard_D2ds_v5|eastus2") + 256 * usd("pg|storage|eastus2") + 128 * usd("pg|backup-geo|eastus2"),
            2,
        );
    });

    it("prices Log Analytics from the node count, private endpoints and private DNS zones", () => {
        const perNode = assumed("logAnalyticsGbPerNodePerDay");
        const ws = res("azure-native:operationalinsights:Workspace", "logs");
        const pe = res("azure-native:network:PrivateEndpoint", "blob-pe");
        const zone = res("azure-native:privatedns:PrivateZone", "blob-zone", { inputs: { location: "global" } });
        const r = estimateCost(plan(cluster, userPool, ws, pe, zone), { location: "eastus2", dataTb: 0 });
        const la = r.lines.find((l) => l.urn === ws.urn)!;
        const days = H / 24;
        expect(la.quantity).toBeCloseTo((3 + 7.5) * perNode * days, 6);
        expect(la.monthlyUsdMin).toBeCloseTo((3 + 3) * perNode * days * usd("loganalytics|analytics-ingest|eastus2"), 2);
        expect(la.monthlyUsdMax).toBeCloseTo((3 + 12) * perNode * days * usd("loganalytics|analytics-ingest|eastus2"), 2);
        expect(r.lines.find((l) => l.urn === pe.urn)!.monthlyUsd).toBeCloseTo(H * usd("privateendpoint|hour|*"), 2);
        expect(r.lines.find((l) => l.urn === zone.urn)!.monthlyUsd).toBe(usd("privatedns|zone|*"));
    });

    it("attributes lines to the nearest component ancestor", () => {
        const outer = component("pachlab:platform:Platform", "platform");
        const inner = component("pachlab:platform:Ingress", "ingress", outer.urn);
        const vm = res("azure-native:compute:VirtualMachine", "vm", {
            parent: inner.urn,
            inputs: { hardwareProfile: { vmSize: "Standard_B2s" } },
        });
        const pip = res("azure-native:network:PublicIPAddress", "pip", { parent: outer.urn, inputs: { sku: { name: "Standard" } } });
        const top = res("azure-native:network:PrivateEndpoint", "pe");
        const r = estimateCost(plan(outer, inner, vm, pip, top), { location: "eastus2", dataTb: 0 });
        expect(r.lines.map((l) => l.component)).toEqual(["ingress", "platform", "(stack)"]);
        expect(Object.keys(r.components)).toEqual(["ingress", "platform", "(stack)"]);
        expect(r.components.ingress?.monthlyUsd).toBeCloseTo(H * usd("vm|Standard_B2s|eastus2"), 2);
    });
});
