import { ExternalRole, Flow, pachydermFlows, POD_APP, PodRole, Role } from "../../components/pachyderm/flows";
import { K8S_NAMES } from "../../components/pachyderm/names";
import { hostAt, parseCidr } from "../../lib/cidr";
import { connectionAllowed, Endpoint, NetworkPolicyObject, PodEndpoint, Protocol } from "../../lib/k8s/networkPolicy";
import { WORKER_PORTS } from "../../lib/facts/pachyderm";
import { loadPlan, ofType, STACKS } from "../helpers/plans";
import { must } from "../helpers/must";
import { K8sManifest, k8sObjectsOf, plannedWorkerPod, podTemplateOf } from "./helpers";
import type { JsonValue } from "../../lib/json";

/**
 * The connectivity matrix (components/pachyderm/flows.ts) against the NetworkPolicies each stack renders:
 * every needed flow is allowed, and every other connection between the namespace's pods, CoreDNS, a pod of
 * another namespace, the ingress VM, the private subnets and the internet, on every port any of them uses,
 * is denied.
 */

type Probe = { name: string; endpoint: Endpoint; role?: Role };
const PUBLIC_SAMPLES = ["20.190.128.1", "20.50.0.1", "203.0.113.10"];

function sampleIp(block: { cidr: string; except?: string[] }): string {
    const c = parseCidr(block.cidr);
    if (typeof c === "string") throw new Error(c);
    if (c.prefix === 0) return must(PUBLIC_SAMPLES[0], "a public sample");
    return hostAt(c, 4);
}

function ipIn(ip: string, block: { cidr: string; except?: string[] }): boolean {
    return connectionAllowed(
        [{ metadata: { namespace: "x" }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: block }] }] } }],
        {},
        { from: { kind: "ip", ip }, to: { kind: "pod", namespace: "x", labels: {}, ports: [] }, port: 1, protocol: "TCP" },
    );
}

/** The namespace's pods as probes, the workers included (pachd creates them; modelled from its settings). */
function podProbes(objects: K8sManifest[], namespace: string): Probe[] {
    const appToRole = new Map(Object.entries(POD_APP).map(([role, app]) => [app, role as PodRole]));
    const pods: Probe[] = [];
    for (const o of objects) {
        const t = podTemplateOf(o);
        if (!t) continue;
        const role = appToRole.get(t.metadata.labels.app ?? "");
        if (!role) throw new Error(`pod of ${o.kind}/${o.metadata.name} has no role in the connectivity matrix`);
        const ports = [...(t.spec.initContainers ?? []), ...t.spec.containers].flatMap((c: JsonValue) => c.ports ?? []);
        pods.push({ name: role, role, endpoint: { kind: "pod", namespace, labels: t.metadata.labels, ports } });
    }
    const worker = plannedWorkerPod(objects);
    pods.push({
        name: "worker",
        role: "worker",
        endpoint: {
            kind: "pod",
            namespace,
            labels: worker.metadata.labels,
            ports: [...worker.spec.containers.flatMap((c: JsonValue) => c.ports ?? []), { containerPort: WORKER_PORTS.grpc }],
        },
    });
    return pods;
}

const kubeDns: PodEndpoint = {
    kind: "pod",
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ports: [
        { name: "dns", containerPort: 53, protocol: "UDP" },
        { name: "dns-tcp", containerPort: 53 },
    ],
};

/** The world around the namespace: its policies, who talks to whom (the matrix) and where external roles live. */
function settingOf(stack: string) {
    const plan = loadPlan(stack);
    const objects = k8sObjectsOf(plan);
    const ns = must(
        objects.find((o) => o.kind === "Namespace"),
        "the Namespace",
    );
    const namespace = must(ns.metadata.name, "the namespace's name");
    const namespaces = {
        [namespace]: { ...ns.metadata.labels, "kubernetes.io/metadata.name": namespace },
        "kube-system": { "kubernetes.io/metadata.name": "kube-system" },
        other: { "kubernetes.io/metadata.name": "other" },
    };
    const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicyObject[];
    const policy = (name: string) => policies.find((p) => p.metadata.name === name);
    const subnet = (suffix: string) =>
        String(
            must(
                ofType(plan, "azure-native:network:Subnet").find((s) => String(s.inputs.subnetName).endsWith(suffix)),
                `the subnet *${suffix}`,
            ).inputs.addressPrefix,
        );
    const blocks = (name: string) =>
        (policy(name)?.spec.egress ?? []).flatMap((r) => (r.to ?? []).flatMap((p) => (p.ipBlock ? [p.ipBlock] : [])));
    const pods = podProbes(objects, namespace);
    const cidrs: Record<ExternalRole, { cidr: string; except?: string[] }[]> = {
        "kube-dns": [],
        "api-server": blocks("allow-egress-apiserver"),
        "entra-id": blocks("allow-egress-entra-id"),
        "blob-private-endpoint": [{ cidr: subnet("-pep") }],
        "postgres-flexible": [{ cidr: subnet("-psql") }],
        "ingress-subnet": [{ cidr: subnet("-ingress") }],
    };
    const has = (app: string) => pods.some((p) => p.endpoint.kind === "pod" && p.endpoint.labels.app === app);
    const flows = pachydermFlows({
        postgresInCluster: has("postgres"),
        bouncerInCluster: has("pg-bouncer"),
        keyless: objects.some((o) => o.kind === "ServiceAccount" && o.metadata.annotations?.["azure.workload.identity/client-id"]),
        clusterDefaults: objects.some((o) => o.kind === "Job" && o.metadata.name === K8S_NAMES.clusterDefaults),
        oidc: objects.some((o) => o.kind === "Secret" && o.metadata.name === "pachyderm-identity"),
        console: has("console"),
    });
    return { namespace, namespaces, policies, pods, cidrs, flows };
}

/** The first address of a block (a public sample for 0.0.0.0/0). */
const firstIp = (blocks: { cidr: string; except?: string[] }[], what: string) => sampleIp(must(blocks[0], what));

function matrix(stack: string) {
    const { namespace, namespaces, policies, pods, cidrs, flows } = settingOf(stack);
    const ipProbes: Probe[] = [
        { name: "ingress VM", role: "ingress-subnet", endpoint: { kind: "ip", ip: firstIp(cidrs["ingress-subnet"], "ingress subnet") } },
        { name: "blob private endpoint", endpoint: { kind: "ip", ip: firstIp(cidrs["blob-private-endpoint"], "endpoint subnet") } },
        { name: "flexible server subnet", endpoint: { kind: "ip", ip: firstIp(cidrs["postgres-flexible"], "postgres subnet") } },
        ...PUBLIC_SAMPLES.map((ip) => ({ name: `internet ${ip}`, endpoint: { kind: "ip", ip } as Endpoint })),
        { name: "private 10.99.0.1", endpoint: { kind: "ip", ip: "10.99.0.1" } },
        { name: "private 192.168.1.1", endpoint: { kind: "ip", ip: "192.168.1.1" } },
    ];
    const sources: Probe[] = [
        ...pods,
        ...ipProbes.slice(0, 1),
        ...ipProbes.slice(3, 4),
        { name: "pod of another namespace", endpoint: { kind: "pod", namespace: "other", labels: { app: "pachd" }, ports: [] } },
    ];
    const destinations: Probe[] = [...pods, { name: "kube-dns", role: "kube-dns", endpoint: kubeDns }, ...ipProbes];

    const ports = new Set<number>([22, 53, 80, 443, 8080, WORKER_PORTS.grpc]);
    for (const f of flows) for (const p of f.ports) ports.add(p.port);
    for (const d of destinations) if (d.endpoint.kind === "pod") for (const p of d.endpoint.ports) ports.add(p.containerPort);

    const needed = (src: Probe, dst: Probe, port: number, protocol: Protocol): Flow | undefined =>
        flows.find((f) => {
            if (f.from !== src.role || !f.ports.some((p) => p.port === port && p.protocol === protocol)) return false;
            if (dst.endpoint.kind === "pod") return f.to === dst.role;
            const ip = dst.endpoint.ip;
            return (cidrs[f.to as ExternalRole] ?? []).some((b) => ipIn(ip, b));
        });

    const wronglyAllowed: string[] = [];
    const wronglyDenied: string[] = [];
    for (const src of sources) {
        for (const dst of destinations) {
            // Only the namespace's own policies are evaluated: what happens outside it is not theirs to decide.
            const ours = (e: Endpoint) => e.kind === "pod" && e.namespace === namespace;
            if (!ours(src.endpoint) && !ours(dst.endpoint)) continue;
            for (const port of ports) {
                for (const protocol of (port === 53 ? ["TCP", "UDP"] : ["TCP"]) as Protocol[]) {
                    const allowed = connectionAllowed(policies, namespaces, { from: src.endpoint, to: dst.endpoint, port, protocol });
                    const need = needed(src, dst, port, protocol);
                    const line = `${src.name} -> ${dst.name} ${port}/${protocol}`;
                    if (allowed && !need) wronglyAllowed.push(line);
                    if (!allowed && need) wronglyDenied.push(`${line} (${need.source})`);
                }
            }
        }
    }
    // Every flow of the matrix has at least one probe pair (no flow is vacuously satisfied).
    const exercised = flows.filter(
        (f) =>
            !sources.some((s) => s.role === f.from) ||
            !destinations.some(
                (d) =>
                    d.role === f.to ||
                    (d.endpoint.kind === "ip" &&
                        (cidrs[f.to as ExternalRole] ?? []).some((b) => ipIn((d.endpoint as { ip: string }).ip, b))),
            ),
    );
    return { wronglyAllowed, wronglyDenied, unexercised: exercised.map((f) => `${f.from} -> ${f.to}`) };
}

describe.each(STACKS)("connectivity of stack %s", (stack) => {
    const result = matrix(stack);
    it("allows every flow Pachyderm needs", () => {
        expect(result.wronglyDenied).toEqual([]);
    });
    it("denies every connection outside the matrix", () => {
        expect(result.wronglyAllowed).toEqual([]);
    });
    it("probes every flow of the matrix", () => {
        expect(result.unexercised).toEqual([]);
    });
});
