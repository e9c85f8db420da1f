import { computeInsights, formatCostDelta, formatDuration, formatInsights, formatUsd } from "../../insights";
import { component, plan, res } from "./fixtures";

const aks = component("pachlab:platform:Aks", "aks");
const cluster = res("azure-native:containerservice:ManagedCluster", "cluster", {
    parent: aks.urn,
    inputs: { sku: { tier: "Standard" }, agentPoolProfiles: [{ name: "system", vmSize: "Standard_D4ds_v5", count: 3 }] },
});
const ns = res("kubernetes:core/v1:Namespace", "pachyderm", { deps: [cluster.urn] });
const weird = res("azure-native:compute:VirtualMachine", "weird", { inputs: { hardwareProfile: { vmSize: "Standard_Z1" } } });

describe("computeInsights / formatInsights", () => {
    it("computes both reports with the default tables and formats a compact block", () => {
        const insights = computeInsights(plan(aks, cluster, ns, weird), { location: "eastus2", dataTb: 1 });
        expect(insights.cost.totalMonthlyUsd).toBeGreaterThan(0);
        expect(insights.deployTime.totalSeconds).toBe(542); // cluster 540 s, then the namespace 2 s
        const text = formatInsights(insights);
        expect(text).toContain(`Estimated cost: ${formatUsd(insights.cost.totalMonthlyUsd)}/month`);
        expect(text).toMatch(/\n {2}aks +\$/);
        expect(text).toContain("Unpriced (not in the total): 1");
        expect(text).toContain("weird (azure-native:compute:VirtualMachine): no price for VM size 'Standard_Z1'");
        expect(text).toContain("Expected first deployment: 9m 2s");
        expect(text).toContain("Critical path: cluster 9m 0s -> pachyderm 2s");
        expect(JSON.parse(JSON.stringify(insights))).toEqual(insights); // serialisable into plan.insights
    });
});

describe("formatCostDelta", () => {
    it("shows the total delta and the changed components as Markdown", () => {
        const base = computeInsights(plan(aks, cluster), { location: "eastus2", dataTb: 0 });
        const bigger = res("azure-native:containerservice:ManagedCluster", "cluster", {
            parent: aks.urn,
            inputs: { sku: { tier: "Standard" }, agentPoolProfiles: [{ name: "system", vmSize: "Standard_D4ds_v5", count: 4 }] },
        });
        const pip = res("azure-native:network:PublicIPAddress", "pip", { inputs: { sku: { name: "Standard" } } });
        const head = computeInsights(plan(aks, bigger, pip, weird), { location: "eastus2", dataTb: 0 });
        const md = formatCostDelta(base, head.cost);
        const node = 0.226 * 730;
        const pipUsd = 0.005 * 730;
        expect(md.split("\n")[0]).toBe(
            `**Estimated monthly cost:** ${formatUsd(base.cost.totalMonthlyUsd)} → ${formatUsd(head.cost.totalMonthlyUsd)} (+${formatUsd(node + pipUsd)} (+${(((node + pipUsd) / base.cost.totalMonthlyUsd) * 100).toFixed(1)}%))`,
        );
        expect(md).toContain("| Component | Base | Head | Delta |");
        expect(md).toContain(
            `| aks | ${formatUsd(base.cost.totalMonthlyUsd)} | ${formatUsd(base.cost.totalMonthlyUsd + node)} | +${formatUsd(node)}`,
        );
        expect(md).toContain(`| (stack) | $0.00 | ${formatUsd(pipUsd)} | +${formatUsd(pipUsd)} |`);
        expect(md).toContain("New unpriced resources (not in the total): `weird`");
        expect(formatCostDelta(base, base)).not.toContain("| Component |");
    });

    it("formats money and durations", () => {
        expect(formatUsd(1234.5)).toBe("$1,234.50");
        expect(formatUsd(-3)).toBe("-$3.00");
        expect(formatDuration(3725)).toBe("1h 2m");
        expect(formatDuration(61)).toBe("1m 1s");
        expect(formatDuration(9)).toBe("9s");
    });
});
