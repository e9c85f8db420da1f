import { computeInsights, Insights, planInsightsDelta } from "../insights";
import { diffPlans } from "../planner/planDiff";
import { renderMarkdown } from "../planner/planDiffMarkdown";
import { Plan, PlanResource } from "../planner/types";
import { ensureCloudInit, validateCloudConfig } from "./helpers/cloudInitSchema";
import { validateK8sObjects } from "./helpers/k8sValidation";
import { loadPlan, ofType, one, STACKS } from "./helpers/plans";
import type { Manifest } from "./helpers/policyEngine";

/**
 * Whole-stack checks on the plans `npm run plan` produces for dev, staging and prod. (The policy pack's
 * rules, the Kubernetes ones (docs/policy.md rules 28 and 34-38) included, are checked on the same plans
 * by tests/policy/stacks.test.ts.)
 */

/** The fields of planned objects this file reads. */
interface ObjectRef {
    name: string;
    namespace: string;
}
interface Claim extends Manifest {
    metadata: ObjectRef;
    spec: { volumeName: string };
}
interface Volume extends Manifest {
    spec: { persistentVolumeReclaimPolicy: string; claimRef: ObjectRef; nfs?: { server: string }; csi?: { driver: string } };
}
interface Service extends Manifest {
    spec: { ports: { port: number }[] };
}
interface NsgRule {
    name: string;
    destinationPortRange?: string;
    destinationPortRanges?: string[];
}

const inputsOf = <T>(r: PlanResource) => r.inputs as unknown as T;
const insightsOf = (plan: Plan) => plan.insights as Insights;
/** Kubernetes objects as planned; a Secret's whole `stringData` may be one redacted "[secret]" value. */
const k8sObjects = (plan: Plan): Manifest[] =>
    plan.resources
        .filter((r) => r.type.startsWith("kubernetes:") && !r.component)
        .map((r) => {
            const o = r.inputs;
            return (o.kind === "Secret" && o.stringData === "[secret]" ? { ...o, stringData: {} } : o) as unknown as Manifest;
        });
const byName = (rs: PlanResource[], name: string) => rs.find((r) => inputsOf<Manifest>(r).metadata.name === name);
const cloudInitAvailable = ensureCloudInit();

describe.each(STACKS)("stack %s", (stack) => {
    const plan = loadPlan(stack);

    it("has Kubernetes objects that pass the official schemas strictly", () => {
        const objects = k8sObjects(plan);
        expect(objects.length).toBeGreaterThan(30);
        expect(validateK8sObjects(objects)).toEqual([]);
    });

    it("admits through the AKS subnet's NSG exactly the ports pachd's internal load balancer exposes", () => {
        const nsg = one(plan, "azure-native:network:NetworkSecurityGroup", "network-nsg-aks");
        const allow = (nsg.inputs.securityRules as NsgRule[]).find((r) => r.name === "allow-ingress-to-pachd");
        const nsgPorts = [allow?.destinationPortRange, ...(allow?.destinationPortRanges ?? [])].filter(Boolean).map(Number).sort();
        const lb = k8sObjects(plan).find((o) => o.kind === "Service" && o.metadata.name === "pachd-lb") as Service | undefined;
        expect(nsgPorts).toEqual(lb?.spec.ports.map((p) => p.port).sort());
    });

    it("binds every etcd (and in-cluster PostgreSQL) claim to a Retain volume of the configured metadata store", () => {
        const pvs = ofType(plan, "kubernetes:core/v1:PersistentVolume");
        const claims = ofType(plan, "kubernetes:core/v1:PersistentVolumeClaim");
        expect(claims.length).toBeGreaterThan(0);
        const kind = plan.outputs.metadataStoreKind;
        for (const claim of claims.map(inputsOf<Claim>)) {
            const pv = byName(pvs, claim.spec.volumeName);
            expect(pv).toBeDefined();
            const pvSpec = inputsOf<Volume>(pv!).spec;
            expect(pvSpec.persistentVolumeReclaimPolicy).toBe("Retain");
            expect(pvSpec.claimRef).toEqual({ namespace: claim.metadata.namespace, name: claim.metadata.name });
            if (kind === "glusterfs") expect(pvSpec.nfs?.server).toBe(plan.outputs.metadataStoreAddress);
            else expect(pvSpec.csi?.driver).toBe("disk.csi.azure.com");
        }
    });

    it("renders VM user-data that passes `cloud-init schema`", () => {
        const vms = ofType(plan, "azure-native:compute:VirtualMachine");
        expect(vms.length).toBe(plan.outputs.metadataStoreKind === "glusterfs" ? 4 : 1);
        if (!cloudInitAvailable) {
            console.warn("cloud-init is not installed and could not be installed: schema validation skipped");
            return;
        }
        for (const vm of vms) {
            const userData = Buffer.from(inputsOf<{ osProfile: { customData: string } }>(vm).osProfile.customData, "base64").toString(
                "utf8",
            );
            const result = validateCloudConfig(userData);
            expect({ vm: vm.name, ok: result.ok, output: result.ok ? "" : result.output }).toEqual({ vm: vm.name, ok: true, output: "" });
        }
    });

    it("carries cost and deploy-time insights", () => {
        const insights = insightsOf(plan);
        expect(insights.cost.totalMonthlyUsd).toBeGreaterThan(0);
        expect(Object.keys(insights.cost.components)).toEqual(
            expect.arrayContaining(["cluster", "storage", "cosmos", "ingress", "metadata"]),
        );
        expect(Array.isArray(insights.cost.unpriced)).toBe(true);
        expect(insights.deployTime.totalSeconds).toBeGreaterThan(600);
        expect(insights.deployTime.criticalPath.length).toBeGreaterThan(1);
    });
});

it("prices dev below staging below prod", () => {
    const total = (s: string) => insightsOf(loadPlan(s)).cost.totalMonthlyUsd;
    expect(total("dev")).toBeLessThan(total("staging"));
    expect(total("staging")).toBeLessThan(total("prod"));
});

describe("plan diff of two real plans", () => {
    const base = loadPlan("dev");
    // A changed dev: the storage container renamed (a replacement of stateful data) and a bigger node pool.
    const head: Plan = JSON.parse(JSON.stringify(base));
    const container = head.resources.find((r) => r.type === "azure-native:storage:BlobContainer")!;
    container.inputs.containerName = "pachyderm-v2";
    const pool = head.resources.find((r) => r.type === "azure-native:containerservice:AgentPool")!;
    pool.inputs.maxCount = 6;
    head.insights = computeInsights(head, { location: String(base.outputs.location), dataTb: insightsOf(base).cost.dataTb });
    const markdown = renderMarkdown(diffPlans(base, head, { insightsDelta: planInsightsDelta }));

    it("flags the stateful replacement first and lists the changed input paths", () => {
        const alert = markdown.indexOf("storage-container");
        expect(alert).toBeGreaterThan(-1);
        expect(markdown.slice(0, alert)).not.toContain("cluster-pool-pachyderm");
        expect(markdown).toContain("containerName");
        expect(markdown).toContain("maxCount");
        expect(markdown).not.toMatch(/mock-[0-9a-f]{8,}/);
    });

    it("shows the cost delta per component and per changed resource, and the deploy time", () => {
        expect(markdown).toMatch(/\| cluster \| \$[\d,.]+ \| \$[\d,.]+ \| \+\$/);
        expect(markdown).toMatch(/\| `cluster-pool-pachyderm` \| \$[\d,.]+ \| \$[\d,.]+ \| \+\$/);
        expect(markdown).toContain("**Expected first deployment:**");
    });
});
