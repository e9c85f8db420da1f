/** Kubernetes object helpers for the workload rules (34-38). */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, PolicyType, Props } from "./util";

export const K8S = {
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    DaemonSet: "kubernetes:apps/v1:DaemonSet",
    ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
    Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob",
    Pod: "kubernetes:core/v1:Pod",
    Service: "kubernetes:core/v1:Service",
    ServiceAccount: "kubernetes:core/v1:ServiceAccount",
    Secret: "kubernetes:core/v1:Secret",
    PersistentVolume: "kubernetes:core/v1:PersistentVolume",
    Namespace: "kubernetes:core/v1:Namespace",
    PDB: "kubernetes:policy/v1:PodDisruptionBudget",
    NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    StorageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
} as const;

export const WORKLOAD_TYPES: PolicyType[] = [K8S.Deployment, K8S.StatefulSet, K8S.DaemonSet, K8S.ReplicaSet, K8S.Job, K8S.CronJob, K8S.Pod];

/** Kinds that are not namespaced (never "in the default namespace"). */
const CLUSTER_SCOPED_KINDS = new Set([
    "Namespace",
    "PersistentVolume",
    "Node",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CustomResourceDefinition",
    "PriorityClass",
    "RuntimeClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "IngressClass",
    "ComponentStatus",
]);

/** `kubernetes:<group/version>:<Kind>` tokens of plain objects (not helm/yaml/kustomize components). */
export function k8sKind(type: string): string | undefined {
    const m = /^kubernetes:([^:]+):([A-Z][A-Za-z]*)$/.exec(type);
    if (!m) return undefined;
    const [, groupVersion = "", kind = ""] = m;
    if (/^(helm\.sh|yaml|kustomize)\//.test(groupVersion)) return undefined;
    if (kind.endsWith("List") || kind.endsWith("Patch")) return undefined;
    return kind;
}

export function isNamespacedK8s(type: string): boolean {
    const kind = k8sKind(type);
    return kind !== undefined && !CLUSTER_SCOPED_KINDS.has(kind);
}

export interface PodView {
    kind: string;
    name: string;
    namespace?: string;
    replicas: number;
    /** Pod template metadata and spec. */
    labels: Record<string, string>;
    spec: Props;
    isBatch: boolean;
}

/** The pod template of a workload object, or undefined for other objects. */
export function podView(r: { type: string; name: string; props: Props }): PodView | undefined {
    const p = r.props ?? {};
    const name: string = p.metadata?.name ?? r.name;
    const namespace: string | undefined = p.metadata?.namespace;
    let tmpl: Props | undefined;
    let replicas = 1;
    switch (r.type) {
        case K8S.Deployment:
        case K8S.StatefulSet:
        case K8S.ReplicaSet:
            tmpl = p.spec?.template;
            replicas = typeof p.spec?.replicas === "number" ? p.spec.replicas : 1;
            break;
        case K8S.DaemonSet:
        case K8S.Job:
            tmpl = p.spec?.template;
            break;
        case K8S.CronJob:
            tmpl = p.spec?.jobTemplate?.spec?.template;
            break;
        case K8S.Pod:
            tmpl = p;
            break;
        default:
            return undefined;
    }
    return {
        kind: r.type.split(":").pop()!,
        name,
        namespace,
        replicas,
        labels: (tmpl?.metadata?.labels ?? {}) as Record<string, string>,
        spec: (tmpl?.spec ?? {}) as Props,
        isBatch: r.type === K8S.Job || r.type === K8S.CronJob,
    };
}

export function containersOf(spec: Props, includeInit = true): Props[] {
    return [...asArray<Props>(spec.containers), ...(includeInit ? asArray<Props>(spec.initContainers) : [])];
}

/** True when every key/value of `selector` (non-empty) is in `labels`. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector ?? {});
    return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Full label-selector semantics (matchLabels + matchExpressions); an empty selector selects everything. */
export function selectorMatches(sel: Props | undefined, labels: Record<string, string>): boolean {
    if (!sel) return true;
    for (const [k, v] of Object.entries((sel.matchLabels ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
    for (const e of asArray<Props>(sel.matchExpressions)) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const value = has ? labels[e.key] : undefined;
        const values = asArray<string>(e.values);
        switch (e.operator) {
            case "In":
                if (value === undefined || !values.includes(value)) return false;
                break;
            case "NotIn":
                if (value !== undefined && values.includes(value)) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                return false;
        }
    }
    return true;
}

/** Role of any pod-template workload, for the network rule's allowed peers. */
export function peerRole(r: PolicyResource): "pachd" | "pachw" | "pg-bouncer" | "etcd" | "postgres" | "etcd-backup" | undefined {
    const v = podView(r);
    if (!v) return undefined;
    const names = nameOrLabels(r, v);
    if (r.type === K8S.CronJob || r.type === K8S.Job) {
        return names.some((n) => n.includes("etcd")) && names.some((n) => n.includes("backup") || n.includes("snapshot"))
            ? "etcd-backup"
            : undefined;
    }
    if (names.some((n) => n.includes("pachw"))) return "pachw";
    if (names.some((n) => n.includes("pg-bouncer") || n.includes("pgbouncer"))) return "pg-bouncer";
    return workloadRole(r);
}

/** True for a label selector that selects every pod (`{}` or no selector). */
export function isEmptySelector(sel: Props | undefined): boolean {
    if (!sel) return true;
    return Object.keys(sel.matchLabels ?? {}).length === 0 && asArray(sel.matchExpressions).length === 0;
}

function nameOrLabels(r: PolicyResource, v: PodView): string[] {
    return [v.name, r.name, ...Object.values(v.labels)].map((s) => String(s).toLowerCase());
}

/** The role of a long-running workload: pachd, etcd, postgres (by name or labels), else undefined. */
export function workloadRole(r: PolicyResource): "pachd" | "etcd" | "postgres" | undefined {
    if (r.type !== K8S.Deployment && r.type !== K8S.StatefulSet) return undefined;
    const v = podView(r);
    if (!v) return undefined;
    const names = nameOrLabels(r, v);
    if (names.some((n) => n.includes("pachd"))) return "pachd";
    if (names.some((n) => n.includes("etcd"))) return "etcd";
    if (names.some((n) => n.includes("postgres"))) return "postgres";
    return undefined;
}

export function workloads(resources: PolicyResource[]): { r: PolicyResource; v: PodView }[] {
    const out: { r: PolicyResource; v: PodView }[] = [];
    for (const r of resources) {
        const v = podView(r);
        if (v) out.push({ r, v });
    }
    return out;
}

/** `image` is pinned: a digest, or a tag other than `latest`. */
export function imagePinned(image: unknown): boolean {
    if (typeof image !== "string" || image.length === 0) return false;
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const last = image.split("/").pop()!;
    const i = last.lastIndexOf(":");
    if (i < 0) return false;
    const tag = last.slice(i + 1);
    return tag.length > 0 && tag !== "latest";
}
