/**
 * Rules 28 and 34-38 of /work/shared/reference/security-rules.md over plain Kubernetes manifests.
 * Each check is a small pure function; `checkWorkloadRules` runs them all.
 * Interpretations (documented in docs/pachyderm.md):
 * - probes are required on long-running containers; init containers (the API forbids probes there)
 *   and Job/CronJob pods (they run to completion) are exempt;
 * - token automount may only be on for a pod whose ServiceAccount is bound by a RoleBinding or
 *   ClusterRoleBinding in the same set (it has API permissions, so it calls the API).
 */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: any;
    [key: string]: any;
}

export interface Finding {
    rule: number;
    object: string;
    message: string;
}

type Env = "dev" | "prod";
const CLUSTER_SCOPED = new Set([
    "Namespace",
    "PersistentVolume",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
]);
const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

export function objectId(o: K8sObject): string {
    return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? "?"}`;
}

/** The pod spec and labels of a workload, or undefined. */
export function podTemplate(o: K8sObject): { spec: any; labels: Record<string, string> } | undefined {
    switch (o.kind) {
        case "Pod":
            return { spec: o.spec ?? {}, labels: o.metadata?.labels ?? {} };
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job":
            return { spec: o.spec?.template?.spec ?? {}, labels: o.spec?.template?.metadata?.labels ?? {} };
        case "CronJob":
            return {
                spec: o.spec?.jobTemplate?.spec?.template?.spec ?? {},
                labels: o.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {},
            };
        default:
            return undefined;
    }
}

const isRunToCompletion = (o: K8sObject) => o.kind === "Job" || o.kind === "CronJob";
const containersOf = (spec: any): { c: any; init: boolean }[] => [
    ...(spec.initContainers ?? []).map((c: any) => ({ c, init: c.restartPolicy !== "Always" })),
    ...(spec.containers ?? []).map((c: any) => ({ c, init: false })),
    ...(spec.ephemeralContainers ?? []).map((c: any) => ({ c, init: true })),
];
const selectorMatches = (selector: any, podLabels: Record<string, string>): boolean => {
    if (!selector) return false;
    const ml = selector.matchLabels ?? {};
    if (!Object.entries(ml).every(([k, v]) => podLabels[k] === v)) return false;
    return (selector.matchExpressions ?? []).every((e: any) => {
        const has = Object.prototype.hasOwnProperty.call(podLabels, e.key);
        switch (e.operator) {
            case "In":
                return has && e.values.includes(podLabels[e.key]);
            case "NotIn":
                return !has || !e.values.includes(podLabels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return false;
        }
    });
};

// ---- rule 28 -------------------------------------------------------------------------------------------
export function rule28Services(objects: K8sObject[]): Finding[] {
    const out: Finding[] = [];
    const lbs = objects.filter((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer");
    for (const s of objects.filter((o) => o.kind === "Service")) {
        if (s.spec?.type === "NodePort") out.push({ rule: 28, object: objectId(s), message: "NodePort Service is not allowed" });
        if (
            s.spec?.type === "LoadBalancer" &&
            s.metadata?.annotations?.["service.beta.kubernetes.io/azure-load-balancer-internal"] !== "true"
        ) {
            out.push({
                rule: 28,
                object: objectId(s),
                message: 'LoadBalancer Service must be internal (azure-load-balancer-internal: "true")',
            });
        }
    }
    if (lbs.length > 1)
        out.push({ rule: 28, object: lbs.map(objectId).join(", "), message: "only the Pachyderm LoadBalancer Service may exist" });
    return out;
}

// ---- rule 34 -------------------------------------------------------------------------------------------
export function rule34ContainerSecurity(o: K8sObject): Finding[] {
    const pod = podTemplate(o);
    if (!pod) return [];
    const out: Finding[] = [];
    const f = (message: string) => out.push({ rule: 34, object: objectId(o), message });
    const ps = pod.spec.securityContext ?? {};
    for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (pod.spec[k] === true) f(`${k} is not allowed`);
    for (const v of pod.spec.volumes ?? []) if (v.hostPath) f(`volume ${v.name}: hostPath is not allowed`);
    for (const { c } of containersOf(pod.spec)) {
        const sc = c.securityContext ?? {};
        const name = `container ${c.name}`;
        const nonRoot = sc.runAsNonRoot ?? ps.runAsNonRoot;
        const uid = sc.runAsUser ?? ps.runAsUser;
        if (nonRoot !== true) f(`${name}: runAsNonRoot must be true`);
        if (uid === 0) f(`${name}: runAsUser 0`);
        if (sc.allowPrivilegeEscalation !== false) f(`${name}: allowPrivilegeEscalation must be false`);
        if (sc.readOnlyRootFilesystem !== true) f(`${name}: readOnlyRootFilesystem must be true`);
        if (sc.privileged === true) f(`${name}: privileged`);
        if (!(sc.capabilities?.drop ?? []).map((x: string) => x.toUpperCase()).includes("ALL")) f(`${name}: capabilities must drop ALL`);
        if ((sc.capabilities?.add ?? []).length > 0) f(`${name}: adds capabilities`);
        const seccomp = sc.seccompProfile?.type ?? ps.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault") f(`${name}: seccompProfile must be RuntimeDefault`);
        for (const p of c.ports ?? []) if (p.hostPort) f(`${name}: hostPort ${p.hostPort}`);
    }
    return out;
}

// ---- rule 35 -------------------------------------------------------------------------------------------
export function isPinnedImage(image: unknown): boolean {
    if (typeof image !== "string" || image === "") return false;
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return tag !== "" && tag.toLowerCase() !== "latest";
}

export function rule35ContainerResources(o: K8sObject): Finding[] {
    const pod = podTemplate(o);
    if (!pod) return [];
    const out: Finding[] = [];
    const f = (message: string) => out.push({ rule: 35, object: objectId(o), message });
    for (const { c, init } of containersOf(pod.spec)) {
        const name = `container ${c.name}`;
        if (!isPinnedImage(c.image)) f(`${name}: image "${c.image}" must have a pinned tag (not latest)`);
        if (!c.resources?.requests?.cpu) f(`${name}: no CPU request`);
        if (!c.resources?.requests?.memory) f(`${name}: no memory request`);
        if (!c.resources?.limits?.memory) f(`${name}: no memory limit`);
        if (!init && !isRunToCompletion(o)) {
            if (!c.readinessProbe) f(`${name}: no readiness probe`);
            if (!c.livenessProbe) f(`${name}: no liveness probe`);
        }
    }
    return out;
}

// ---- rule 36 -------------------------------------------------------------------------------------------
export function rule36Accounts(objects: K8sObject[]): Finding[] {
    const out: Finding[] = [];
    const bound = new Set<string>();
    for (const b of objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
        for (const s of (b as any).subjects ?? [])
            if (s.kind === "ServiceAccount") bound.add(`${s.namespace ?? b.metadata?.namespace}/${s.name}`);
    }
    for (const o of objects) {
        if (!CLUSTER_SCOPED.has(o.kind)) {
            if (!o.metadata?.namespace) out.push({ rule: 36, object: objectId(o), message: "namespace must be explicit" });
            else if (o.metadata.namespace === "default")
                out.push({ rule: 36, object: objectId(o), message: "nothing may live in the default namespace" });
        }
        if (o.kind === "ServiceAccount" && (o as any).automountServiceAccountToken !== false) {
            out.push({
                rule: 36,
                object: objectId(o),
                message: "ServiceAccount must set automountServiceAccountToken: false (pods opt in)",
            });
        }
        const pod = podTemplate(o);
        if (!pod) continue;
        const sa = pod.spec.serviceAccountName;
        if (!sa || sa === "default") out.push({ rule: 36, object: objectId(o), message: "pod must use a dedicated ServiceAccount" });
        const automount = pod.spec.automountServiceAccountToken;
        if (automount === undefined)
            out.push({ rule: 36, object: objectId(o), message: "automountServiceAccountToken must be explicit on the pod" });
        if (automount === true && !bound.has(`${o.metadata?.namespace}/${sa}`)) {
            out.push({
                rule: 36,
                object: objectId(o),
                message: `token automount is on but ServiceAccount ${sa} has no RoleBinding (the pod does not call the API)`,
            });
        }
    }
    return out;
}

// ---- rule 37 -------------------------------------------------------------------------------------------
function allowsOneEviction(pdb: K8sObject, replicas: number): boolean {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    const pct = (v: string) => Number(v.replace("%", "")) / 100;
    if (minAvailable !== undefined) {
        const min = typeof minAvailable === "string" ? Math.ceil(pct(minAvailable) * replicas) : minAvailable;
        return min < replicas;
    }
    if (maxUnavailable !== undefined) {
        const max = typeof maxUnavailable === "string" ? Math.floor(pct(maxUnavailable) * replicas) : maxUnavailable;
        return max >= 1;
    }
    return false;
}

export function rule37Reliability(objects: K8sObject[], env: Env): Finding[] {
    const out: Finding[] = [];
    const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
    for (const p of pdbs)
        if (p.apiVersion !== "policy/v1") out.push({ rule: 37, object: objectId(p), message: "PodDisruptionBudget must be policy/v1" });
    for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet")) {
        const replicas = o.spec?.replicas ?? 1;
        const pod = podTemplate(o)!;
        const app = pod.labels.app;
        if (replicas >= 2) {
            const matching = pdbs.filter(
                (p) => p.metadata?.namespace === o.metadata?.namespace && selectorMatches(p.spec?.selector, pod.labels),
            );
            if (matching.length === 0)
                out.push({ rule: 37, object: objectId(o), message: `${replicas} replicas but no PodDisruptionBudget selects them` });
            for (const p of matching)
                if (!allowsOneEviction(p, replicas))
                    out.push({ rule: 37, object: objectId(p), message: `allows no voluntary eviction of ${replicas} replicas` });
        }
        if (env === "prod" && (app === "etcd" || app === "pachd")) {
            const min = app === "etcd" ? 3 : 2;
            if (app === "etcd" ? replicas !== 3 : replicas < min)
                out.push({
                    rule: 37,
                    object: objectId(o),
                    message: `production needs ${app === "etcd" ? "exactly 3" : "2+"} ${app} replicas, has ${replicas}`,
                });
            const zoneSpread = (pod.spec.topologySpreadConstraints ?? []).some((t: any) => t.topologyKey === "topology.kubernetes.io/zone");
            if (!zoneSpread)
                out.push({ rule: 37, object: objectId(o), message: "production needs a topology spread over topology.kubernetes.io/zone" });
        }
    }
    for (const pv of objects.filter((o) => o.kind === "PersistentVolume")) {
        if (pv.spec?.persistentVolumeReclaimPolicy !== "Retain")
            out.push({ rule: 37, object: objectId(pv), message: "PersistentVolume must be Retain" });
    }
    const hasEtcd = objects.some((o) => o.kind === "StatefulSet" && podTemplate(o)!.labels.app === "etcd");
    const hasBackup = objects.some(
        (o) =>
            o.kind === "CronJob" &&
            containersOf(podTemplate(o)!.spec).some(({ c }) =>
                [...(c.command ?? []), ...(c.args ?? [])].join(" ").includes("snapshot save"),
            ),
    );
    if (hasEtcd && !hasBackup) out.push({ rule: 37, object: "etcd", message: "no CronJob runs `etcdctl snapshot save`" });
    return out;
}

// ---- rule 38 -------------------------------------------------------------------------------------------
/** Pods allowed to reach each store (app label values). */
export const STORE_CLIENTS: Record<string, string[]> = {
    // Pipeline workers (app: pipeline) run pachd's sidecar and hold etcd leases (src/server/cmd/worker/main.go at 2.12.x).
    etcd: ["pachd", "pachw", "pipeline", "etcd", "etcd-backup"],
    postgres: ["pachd", "pachw", "pg-bouncer"],
};

/** App values a pod selector can match, or undefined when it is not limited to named apps. */
function selectedApps(sel: any): string[] | undefined {
    if (!sel) return undefined;
    const fromLabels = sel.matchLabels?.app !== undefined ? [sel.matchLabels.app] : undefined;
    const inExpr = (sel.matchExpressions ?? []).find((e: any) => e.key === "app" && e.operator === "In");
    if (fromLabels && inExpr) return fromLabels.filter((a: string) => inExpr.values.includes(a));
    return fromLabels ?? inExpr?.values;
}

export function rule38NetworkPolicies(objects: K8sObject[]): Finding[] {
    const out: Finding[] = [];
    const nps = objects.filter((o) => o.kind === "NetworkPolicy");
    const namespaces = new Set(objects.filter((o) => podTemplate(o) && o.metadata?.namespace).map((o) => o.metadata.namespace!));
    for (const ns of namespaces) {
        const inNs = nps.filter((p) => p.metadata?.namespace === ns);
        const denyAll = inNs.some(
            (p) =>
                Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
                ["Ingress", "Egress"].every((t) => (p.spec?.policyTypes ?? []).includes(t)) &&
                (p.spec?.ingress ?? []).length === 0 &&
                (p.spec?.egress ?? []).length === 0,
        );
        if (!denyAll) out.push({ rule: 38, object: `Namespace/${ns}`, message: "no default-deny (ingress and egress) NetworkPolicy" });
        for (const p of inNs) {
            for (const r of p.spec?.ingress ?? []) {
                if (!r.from || r.from.length === 0)
                    out.push({ rule: 38, object: objectId(p), message: "ingress rule allows every source" });
                for (const peer of r.from ?? [])
                    if (peer.ipBlock?.cidr === "0.0.0.0/0") out.push({ rule: 38, object: objectId(p), message: "ingress from 0.0.0.0/0" });
            }
        }
        const selects = (p: K8sObject, app: string) => selectorMatches(p.spec?.podSelector, { app, suite: "pachyderm" });
        const hasPachd = objects.some((o) => o.metadata?.namespace === ns && podTemplate(o)?.labels.app === "pachd");
        if (hasPachd) {
            const fromIngress = inNs.some(
                (p) => selects(p, "pachd") && (p.spec?.ingress ?? []).some((r: any) => (r.from ?? []).some((peer: any) => peer.ipBlock)),
            );
            if (!fromIngress)
                out.push({ rule: 38, object: `Namespace/${ns}`, message: "no NetworkPolicy lets the ingress subnet reach pachd" });
        }
        for (const [store, allowed] of Object.entries(STORE_CLIENTS)) {
            for (const p of inNs.filter((x) => (x.spec?.ingress ?? []).length > 0 && selects(x, store))) {
                for (const r of p.spec.ingress) {
                    for (const peer of r.from ?? []) {
                        const apps = peer.ipBlock || peer.namespaceSelector ? undefined : selectedApps(peer.podSelector);
                        if (!apps || apps.some((a) => !allowed.includes(a))) {
                            out.push({
                                rule: 38,
                                object: objectId(p),
                                message: `${store} accepts traffic from ${JSON.stringify(peer)}; only ${allowed.join(", ")} may reach it`,
                            });
                        }
                    }
                }
            }
        }
    }
    return out;
}

/** Every finding of rules 28 and 34-38 over a set of manifests. */
export function checkWorkloadRules(objects: K8sObject[], env: Env): Finding[] {
    return [
        ...rule28Services(objects),
        ...objects
            .filter((o) => WORKLOAD_KINDS.has(o.kind))
            .flatMap((o) => [...rule34ContainerSecurity(o), ...rule35ContainerResources(o)]),
        ...rule36Accounts(objects),
        ...rule37Reliability(objects, env),
        ...rule38NetworkPolicies(objects),
    ];
}
