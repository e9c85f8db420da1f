import { securityRuleProblems } from "../../lib/arm";
import { Captured, captureResources, dependsOn, ofType, one, settle, WORKSPACE_ID, TYPE } from "../helpers/mockHarness";
import type { JsonValue } from "../../lib/json";

const captured = captureResources();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Network } = require("../../components/network") as typeof import("../../components/network");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pachdLoadBalancerPorts } = require("../../components/pachyderm/names") as typeof import("../../components/pachyderm/names");
/** prod runs with OIDC here: its internal LB also exposes the Dex and OIDC callback ports. */
const pachdPorts = (env: "dev" | "prod") => pachdLoadBalancerPorts(env === "prod").map((p) => p.service);
type Args = import("../../components/network").NetworkArgs;

const SUBNETS = {
    aks: "10.40.0.0/20",
    ingress: "10.40.16.0/26",
    data: "10.40.16.64/26",
    privateEndpoints: "10.40.16.128/26",
    postgres: "10.40.16.192/28",
};

function args(env: "dev" | "prod", adminSourceCidrs: string[]): Args {
    return {
        names: { prefix: "pachlab", stack: env, location: "westeurope" },
        location: "westeurope",
        tags: { environment: env, project: "pachlab", owner: "lab", "cost-center": "cc1" },
        addressSpace: "10.40.0.0/16",
        subnets: SUBNETS,
        ingress: { vmPrivateIp: "10.40.16.4", ports: [443], adminSourceCidrs },
        pachdInternalIp: "10.40.15.250",
        pachdPorts: pachdPorts(env),
        protect: env === "prod",
    };
}

const rules = (nsg: Captured): JsonValue[] => nsg.inputs.securityRules;
/** A rule's sources or destination ports, from the singular and the plural field. */
const sourcesOf = (r: JsonValue): string[] => [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].filter(Boolean);
const portsOf = (r: JsonValue): string[] => [r.destinationPortRange, ...(r.destinationPortRanges ?? [])].filter(Boolean);
const ANYWHERE = ["*", "0.0.0.0/0", "Internet", "Any"];

/** Does a rule's port spec cover `port`? ("*", "22", "20-30") */
function covers(spec: string, port: number): boolean {
    if (spec === "*") return true;
    const [lo, hi] = spec.split("-").map(Number);
    return lo !== undefined && port >= lo && port <= (hi ?? lo);
}

beforeAll(async () => {
    const dev = new Network("dev", args("dev", ["198.51.100.0/24"]));
    const prod = new Network("prod", args("prod", []));
    prod.sendDiagnosticsTo({ workspaceId: WORKSPACE_ID });
    await settle(dev.vnet.id, prod.vnet.id, ...Object.values(dev.subnetIds), ...Object.values(prod.subnetIds));
});

describe.each(["dev", "prod"] as const)("Network (%s)", (env) => {
    const of = (type: string) => ofType(captured, type, env);

    it("names resources after the Cloud Adoption Framework and tags every one the same", () => {
        expect(one(captured, TYPE.ResourceGroup, `${env}-rg`).inputs.resourceGroupName).toBe(`rg-pachlab-${env}`);
        expect(one(captured, TYPE.VirtualNetwork, `${env}-vnet`).inputs.virtualNetworkName).toBe(`vnet-pachlab-${env}`);
        for (const s of of(TYPE.Subnet)) expect(s.inputs.subnetName).toMatch(new RegExp(`^snet-pachlab-${env}-`));
        for (const n of of(TYPE.NetworkSecurityGroup))
            expect(n.inputs.networkSecurityGroupName).toMatch(new RegExp(`^nsg-pachlab-${env}-`));
        for (const r of [...of(TYPE.ResourceGroup), ...of(TYPE.VirtualNetwork), ...of(TYPE.NetworkSecurityGroup)]) {
            expect(r.inputs.tags).toEqual({ environment: env, project: "pachlab", owner: "lab", "cost-center": "cc1" });
        }
    });

    it(`sends every NSG's logs to Log Analytics ${env === "prod" ? "(events and rule counters, no metrics)" : "only when asked"}`, () => {
        const settings = of(TYPE.DiagnosticSetting);
        expect(settings).toHaveLength(env === "prod" ? 5 : 0);
        for (const nsg of env === "prod" ? of(TYPE.NetworkSecurityGroup) : []) {
            const d = settings.find((s) => dependsOn(s, nsg));
            expect(d?.inputs).toMatchObject({
                workspaceId: WORKSPACE_ID,
                logs: [{ categoryGroup: "allLogs", enabled: true }],
                metrics: [],
            });
            expect(d?.inputs.resourceUri).toMatch(new RegExp(`/networkSecurityGroups/${nsg.inputs.networkSecurityGroupName}$`));
        }
    });

    it("gives every subnet its own NSG (rule 24) and no implicit internet egress", () => {
        const subnets = of(TYPE.Subnet);
        expect(subnets).toHaveLength(5);
        const nsgIds = subnets.map((s) => s.inputs.networkSecurityGroup?.id);
        expect(new Set(nsgIds).size).toBe(5);
        for (const s of subnets) expect(s.inputs.defaultOutboundAccess).toBe(false);
        expect(subnets.find((s) => s.inputs.subnetName.endsWith("-psql"))!.inputs.delegations[0].serviceName).toBe(
            "Microsoft.DBforPostgreSQL/flexibleServers",
        );
    });

    it("declares only security rules ARM accepts (service tags only in the singular prefix fields, priorities, ports)", () => {
        const nsgs = of(TYPE.NetworkSecurityGroup);
        expect(nsgs).toHaveLength(5);
        for (const nsg of nsgs)
            expect({ nsg: nsg.name, problems: securityRuleProblems(rules(nsg)) }).toEqual({ nsg: nsg.name, problems: [] });
    });

    it("never allows SSH or RDP from anywhere (rule 23)", () => {
        for (const nsg of of(TYPE.NetworkSecurityGroup)) {
            for (const r of rules(nsg).filter((x) => x.access === "Allow" && x.direction === "Inbound")) {
                const open = sourcesOf(r).some((s) => ANYWHERE.includes(s)) && portsOf(r).some((p) => covers(p, 22) || covers(p, 3389));
                expect({ nsg: nsg.name, rule: r.name, open }).toEqual({ nsg: nsg.name, rule: r.name, open: false });
            }
        }
    });
});

describe.each(["dev", "prod"] as const)("Network (%s): what the NSGs let through", (env) => {
    it("lets the ingress subnet reach only pachd's internal IP and exactly its load balancer's ports in the AKS subnet", () => {
        const aks = rules(one(captured, TYPE.NetworkSecurityGroup, `${env}-nsg-aks`));
        const allow = aks.find((r) => r.name === "allow-ingress-to-pachd");
        expect(allow).toMatchObject({ access: "Allow", sourceAddressPrefix: SUBNETS.ingress, destinationAddressPrefix: "10.40.15.250" });
        expect(portsOf(allow)).toEqual(pachdPorts(env).map(String));
        if (env === "prod") expect(portsOf(allow)).toEqual(expect.arrayContaining(["30657", "30658"]));
        const deny = aks.find((r) => r.name === "deny-ingress-subnet");
        expect(deny).toMatchObject({ access: "Deny", sourceAddressPrefix: SUBNETS.ingress });
        expect(deny.priority).toBeGreaterThan(allow.priority);
    });

    it("denies the rest of the VNet in the data, private-endpoint, PostgreSQL and ingress subnets", () => {
        for (const role of ["data", "pep", "psql", "ingress"]) {
            expect(
                rules(one(captured, TYPE.NetworkSecurityGroup, `${env}-nsg-${role}`)).some(
                    (r) => r.access === "Deny" && r.sourceAddressPrefix === "VirtualNetwork",
                ),
            ).toBe(true);
        }
    });

    it("mirrors on the ingress subnet exactly what the load balancer exposes", () => {
        const ingress = rules(one(captured, TYPE.NetworkSecurityGroup, `${env}-nsg-ingress`)).filter((r) => r.access === "Allow");
        const internet = ingress.filter((r) => sourcesOf(r).includes("Internet"));
        expect(internet).toHaveLength(1);
        expect(portsOf(internet[0])).toEqual(["443"]);
        const ssh = ingress.filter((r) => portsOf(r).includes("22"));
        if (env === "dev") expect(ssh.map(sourcesOf)).toEqual([["198.51.100.0/24"]]);
        else expect(ssh).toEqual([]);
    });

    it("protects the resource group in production only", () => {
        expect(one(captured, TYPE.ResourceGroup, `${env}-rg`).protect).toBe(env === "prod");
    });
});
