import { CREATION_TIMES, creationSeconds, estimateDeployTime, type CreationTimes } from "../../insights/deployTime";
import { RESOURCE_TYPES, resourceType } from "../../lib/resourceTypes";
import { component, plan, res } from "./fixtures";

/** Small, exact time table: the type's last segment says how many seconds it takes. */
const times: CreationTimes = {
    types: Object.fromEntries([5, 10, 20, 30, 40, 50, 100].map((s) => [`test:t:S${s}`, { seconds: s, source: "test" }])),
    patterns: [{ match: "random:*", seconds: 0, source: "test" }],
    default: { seconds: 7, source: "test default" },
};

// rg(5) -> vnet(10) -> cluster(100) -> app(20);  rg -> db(50) -> app
const rg = res("test:t:S5", "rg");
const vnet = res("test:t:S10", "vnet", { deps: [rg.urn] });
const cluster = res("test:t:S100", "cluster", { deps: [vnet.urn] });
const db = res("test:t:S50", "db", { deps: [rg.urn] });
const app = res("test:t:S20", "app", { deps: [cluster.urn, db.urn] });

describe("estimateDeployTime", () => {
    it("finds the longest path and the critical path", () => {
        const r = estimateDeployTime(plan(rg, vnet, cluster, db, app), times);
        expect(r.totalSeconds).toBe(135);
        expect(r.criticalPath.map((s) => [s.urn, s.seconds, s.finishSeconds])).toEqual([
            [rg.urn, 5, 5],
            [vnet.urn, 10, 15],
            [cluster.urn, 100, 115],
            [app.urn, 20, 135],
        ]);
        expect(r.flaggedDependsOn).toEqual([]);
        expect(r.resourceCount).toBe(5);
    });

    it("flags an explicit dependsOn without data dependency that lengthens the critical path", () => {
        // late(40) needs db's data but also waits for the cluster through an explicit dependsOn.
        const late = res("test:t:S40", "late", { deps: [db.urn], dependsOn: [cluster.urn] });
        const r = estimateDeployTime(plan(rg, vnet, cluster, db, app, late), times);
        expect(r.totalSeconds).toBe(155);
        expect(r.criticalPath.map((s) => s.urn)).toEqual([rg.urn, vnet.urn, cluster.urn, late.urn]);
        // without the edge: max(app path 135, rg->db->late 95) = 135
        expect(r.flaggedDependsOn).toEqual([{ from: late.urn, to: cluster.urn, addedSeconds: 20, totalWithoutSeconds: 135 }]);
    });

    it("does not flag a dependsOn off the critical path, nor one that is also reached through data", () => {
        const appWithDependsOn = res("test:t:S20", "app", { deps: [cluster.urn], dependsOn: [db.urn] });
        // late2's explicit dependsOn on vnet is redundant: the cluster (a data dependency) already waits for it.
        const late2 = res("test:t:S30", "late2", { deps: [cluster.urn], dependsOn: [vnet.urn] });
        const r = estimateDeployTime(plan(rg, vnet, cluster, db, appWithDependsOn, late2), times);
        expect(r.totalSeconds).toBe(145);
        expect(r.criticalPath.map((s) => s.urn)).toEqual([rg.urn, vnet.urn, cluster.urn, late2.urn]);
        expect(r.flaggedDependsOn).toEqual([]);
    });

    it("does not flag an explicit dependsOn on the critical path when an equally long data path exists", () => {
        const twin = res("test:t:S100", "twin", { deps: [vnet.urn] });
        // tie: the explicit edge (listed first) is on the critical path, but removing it changes nothing
        const tied = { ...res("test:t:S5", "tied", { deps: [twin.urn], dependsOn: [cluster.urn] }), dependencies: [cluster.urn, twin.urn] };
        const r = estimateDeployTime(plan(rg, vnet, cluster, twin, tied), times);
        expect(r.totalSeconds).toBe(120);
        expect(r.criticalPath.map((s) => s.urn)).toEqual([rg.urn, vnet.urn, cluster.urn, tied.urn]);
        expect(r.flaggedDependsOn).toEqual([]);
    });

    it("treats a dependency on a component as a dependency on all its children", () => {
        const net = component("test:c:Network", "net");
        const v = res("test:t:S10", "vnet", { parent: net.urn });
        const sub = res("test:t:S30", "subnet", { parent: net.urn, deps: [v.urn] });
        const inner = component("test:c:Inner", "inner", net.urn);
        const deep = res("test:t:S50", "deep", { parent: inner.urn });
        const consumer = res("test:t:S5", "consumer", { dependsOn: [net.urn] });
        const r = estimateDeployTime(plan(net, v, sub, inner, deep, consumer), times);
        expect(r.totalSeconds).toBe(55);
        expect(r.criticalPath.map((s) => s.urn)).toEqual([deep.urn, consumer.urn]);
        expect(r.resourceCount).toBe(4);
        // the explicit dependsOn on the component is the only edge, so it is flagged with its cost
        expect(r.flaggedDependsOn).toEqual([{ from: consumer.urn, to: net.urn, addedSeconds: 5, totalWithoutSeconds: 50 }]);
    });

    it("throws a clear error on a dependency cycle", () => {
        const a = res("test:t:S5", "a", { deps: ["urn:pulumi:test::proj::test:t:S5::b"] });
        const b = res("test:t:S5", "b", { deps: [a.urn] });
        const c = res("test:t:S5", "c", { deps: [b.urn] });
        expect(() => estimateDeployTime(plan(a, b, c), times)).toThrow(
            /Dependency cycle: .*::a -> .*::b -> .*::a|Dependency cycle: .*::b -> .*::a -> .*::b/,
        );
    });

    it("uses patterns and the default, lists defaulted types and ignores unknown dependency URNs", () => {
        const pw = res("random:index/randomPassword:RandomPassword", "pw");
        const odd = res("acme:x:Thing", "odd", { deps: [pw.urn, "urn:pulumi:test::proj::gone::x"] });
        const r = estimateDeployTime(plan(pw, odd), times);
        expect(r.totalSeconds).toBe(7);
        expect(r.defaultedTypes).toEqual(["acme:x:Thing"]);
        expect(r.ignoredDependencies).toEqual([{ from: odd.urn, to: "urn:pulumi:test::proj::gone::x" }]);
    });
});

describe("creation-times.json", () => {
    it("has a source for every entry and a default", () => {
        for (const t of Object.values(CREATION_TIMES.types)) {
            expect(t.seconds).toBeGreaterThanOrEqual(0);
            expect(t.source.length).toBeGreaterThan(0);
        }
        expect(CREATION_TIMES.default.seconds).toBeGreaterThan(0);
    });

    it("names types as the registry does: every azure-native token is an entry of lib/resourceTypes.ts, every other one of a known package", () => {
        const tokens = Object.keys(CREATION_TIMES.types);
        expect(tokens.filter((t) => t.startsWith("azure-native:") && !(t in RESOURCE_TYPES))).toEqual([]);
        expect(tokens.filter((t) => resourceType(t) === undefined)).toEqual([]);
    });

    it("looks a type up in any spelling normalizeType folds", () => {
        const account = (type: string) => creationSeconds(res(type, "cosmos")).seconds;
        expect(account("azure-native:documentdb/v20240815:DatabaseAccount")).toBe(account("azure-native:cosmosdb:DatabaseAccount"));
        expect(account("azure-native:cosmosdb:DatabaseAccount")).toBe(
            CREATION_TIMES.types["azure-native:cosmosdb:DatabaseAccount"]?.seconds,
        );
    });

    it("adds the standby time for a zone-redundant PostgreSQL server and 0 s for components", () => {
        const pg = (mode: string) => res("azure-native:dbforpostgresql:Server", "pg", { inputs: { highAvailability: { mode } } });
        const base = CREATION_TIMES.types["azure-native:dbforpostgresql:Server"] ?? { seconds: NaN, source: "" };
        expect(creationSeconds(pg("Disabled")).seconds).toBe(base.seconds);
        expect(creationSeconds(pg("ZoneRedundant")).seconds).toBe(base.seconds + (base.haExtraSeconds ?? 0));
        expect(creationSeconds(component("x:y:Z", "z")).seconds).toBe(0);
        expect(creationSeconds(res("kubernetes:core/v1:Namespace", "ns")).seconds).toBeLessThanOrEqual(10);
        expect(creationSeconds(res("random:index/randomId:RandomId", "id")).seconds).toBe(0);
    });
});
