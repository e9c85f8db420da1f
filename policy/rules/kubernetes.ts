/** Kubernetes workloads (docs/policy.md rules 34-38). */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    containersOf,
    imagePinned,
    isEmptySelector,
    isNamespacedK8s,
    K8S,
    peerRole,
    PodView,
    podView,
    selectorMatches,
    WORKLOAD_TYPES,
    workloadRole,
    workloads,
} from "../k8s";
import { asArray, envConfigSchema, ofType, Props, stackEnv, validateResourceOfTypes } from "../util";
import { at, mandatory } from "./common";

export const podSecurity: ResourceValidationPolicy = {
    name: "k8s-pod-security",
    description:
        "Rule 34 (CKV_K8S_16-23, CKV_K8S_25, CKV_K8S_28, CKV_K8S_37, Polaris, kube-score): containers run as non-root (runAsNonRoot true, runAsUser not 0) without privilege escalation, read-only root filesystem, drop ALL capabilities and add none, not privileged; pod seccomp RuntimeDefault; no host network/PID/IPC, hostPath or hostPort.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (_p, args, report) => {
        const v = podView(args)!;
        const spec = v.spec;
        const psc: Props = spec.securityContext ?? {};
        if (spec.hostNetwork === true) report("hostNetwork must not be true");
        if (spec.hostPID === true) report("hostPID must not be true");
        if (spec.hostIPC === true) report("hostIPC must not be true");
        for (const vol of asArray<Props>(spec.volumes)) if (vol.hostPath) report(`volume '${vol.name}' is a hostPath`);
        for (const c of containersOf(spec)) {
            const sc: Props = c.securityContext ?? {};
            const who = `container '${c.name}'`;
            const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
            const uid = sc.runAsUser ?? psc.runAsUser;
            if (nonRoot !== true || uid === 0) report(`${who}: must run as non-root (runAsNonRoot true, runAsUser not 0)`);
            if (sc.allowPrivilegeEscalation !== false) report(`${who}: allowPrivilegeEscalation must be false`);
            if (sc.readOnlyRootFilesystem !== true) report(`${who}: readOnlyRootFilesystem must be true`);
            if (!asArray<string>(sc.capabilities?.drop).some((x) => x === "ALL" || x === "all"))
                report(`${who}: capabilities.drop must include ALL`);
            const added = asArray<string>(sc.capabilities?.add);
            if (added.length > 0) report(`${who}: capabilities.add must be empty (adds ${added.join(", ")})`);
            if (sc.privileged === true) report(`${who}: privileged must not be true`);
            const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
                report(`${who}: seccompProfile.type must be RuntimeDefault (pod or container)`);
            for (const port of asArray<Props>(c.ports))
                if (port.hostPort !== undefined) report(`${who}: hostPort ${port.hostPort} is not allowed`);
        }
    }),
};

export const podResources: ResourceValidationPolicy = {
    name: "k8s-resources-probes-pinned-images",
    description:
        "Rule 35 (CKV_K8S_8-14, CKV_K8S_43, kube-score): every container has CPU and memory requests, a memory limit, readiness and liveness probes (long-running workloads; not Jobs/CronJobs or init containers) and a pinned image tag (never latest).",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfTypes(WORKLOAD_TYPES, (_p, args, report) => {
        const v = podView(args)!;
        const main = asArray<Props>(v.spec.containers);
        for (const c of containersOf(v.spec)) {
            const who = `container '${c.name}'`;
            const req: Props = c.resources?.requests ?? {};
            const lim: Props = c.resources?.limits ?? {};
            if (req.cpu === undefined) report(`${who}: resources.requests.cpu is missing`);
            if (req.memory === undefined) report(`${who}: resources.requests.memory is missing`);
            if (lim.memory === undefined) report(`${who}: resources.limits.memory is missing`);
            if (!imagePinned(c.image)) report(`${who}: image '${c.image}' is not pinned to a tag other than latest (or a digest)`);
            if (!v.isBatch && main.includes(c)) {
                if (!c.readinessProbe) report(`${who}: readinessProbe is missing`);
                if (!c.livenessProbe) report(`${who}: livenessProbe is missing`);
            }
        }
    }),
};

function boundServiceAccounts(resources: PolicyResource[]): Set<string> {
    const out = new Set<string>();
    for (const b of ofType(resources, K8S.RoleBinding, K8S.ClusterRoleBinding)) {
        const bns = b.props?.metadata?.namespace;
        for (const s of asArray<Props>(b.props?.subjects)) {
            if (s.kind === "ServiceAccount") out.add(`${s.namespace ?? bns}/${s.name}`);
        }
    }
    return out;
}

export const serviceAccounts: StackValidationPolicy = {
    name: "k8s-service-accounts-namespaces",
    description:
        "Rule 36 (CKV_K8S_38, CKV_K8S_21): workloads use dedicated ServiceAccounts (never default); ServiceAccounts turn token automount off and every pod sets it explicitly, on only when the ServiceAccount is bound to a Role/ClusterRole (the pod calls the API); no object in the default namespace.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        const k8sObjects = args.resources.filter((r) => isNamespacedK8s(r.type));
        if (k8sObjects.length === 0) args.notApplicable("no Kubernetes objects");
        for (const r of k8sObjects) {
            const ns = r.props?.metadata?.namespace ?? r.provider?.props?.namespace;
            if (ns === undefined || ns === "" || ns === "default")
                at(report, r)(`is in the ${ns ? "default" : "default (unset)"} namespace`);
        }
        const sas = ofType(args.resources, K8S.ServiceAccount);
        const bound = boundServiceAccounts(args.resources);
        for (const s of sas) {
            if (s.props?.automountServiceAccountToken !== false)
                at(report, s)("automountServiceAccountToken must be false (pods that call the API opt in)");
        }
        for (const { r, v } of workloads(args.resources)) {
            const where = at(report, r);
            const sa = v.spec.serviceAccountName ?? v.spec.serviceAccount;
            if (!sa || sa === "default") {
                where("uses the default ServiceAccount: set a dedicated serviceAccountName");
                continue;
            }
            const automount = v.spec.automountServiceAccountToken;
            if (typeof automount !== "boolean")
                where("automountServiceAccountToken must be set on the pod (true only when it calls the API)");
            else if (automount && !bound.has(`${v.namespace}/${sa}`)) {
                where(
                    `mounts the token of ServiceAccount '${sa}', which no RoleBinding grants API access: set automountServiceAccountToken false`,
                );
            }
        }
    },
};

function allowsOneEviction(pdb: Props, replicas: number): boolean {
    const spec = pdb.spec ?? {};
    const pct = (v: string) => Number(v.replace("%", "")) / 100;
    if (spec.maxUnavailable !== undefined) {
        const mu = spec.maxUnavailable;
        if (typeof mu === "number") return mu >= 1;
        return typeof mu === "string" && Math.ceil(pct(mu) * replicas) >= 1;
    }
    if (spec.minAvailable !== undefined) {
        const ma = spec.minAvailable;
        if (typeof ma === "number") return replicas - ma >= 1;
        return typeof ma === "string" && replicas - Math.ceil(pct(ma) * replicas) >= 1;
    }
    return false;
}

function zoneSpread(spec: Props): boolean {
    const zoneKey = "topology.kubernetes.io/zone";
    if (asArray<Props>(spec.topologySpreadConstraints).some((t) => t.topologyKey === zoneKey)) return true;
    const anti: Props = spec.affinity?.podAntiAffinity ?? {};
    return [
        ...asArray<Props>(anti.requiredDuringSchedulingIgnoredDuringExecution),
        ...asArray<Props>(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => p.podAffinityTerm ?? {}),
    ].some((t) => t.topologyKey === zoneKey);
}

/** A CronJob one of whose containers runs `etcdctl snapshot save`. */
function runsEtcdSnapshot(cronJob: PolicyResource): boolean {
    return containersOf(podView(cronJob)?.spec ?? {}).some((c) =>
        [...asArray<string>(c.command), ...asArray<string>(c.args)].join(" ").includes("snapshot save"),
    );
}

export const availability: StackValidationPolicy = {
    name: "k8s-availability-pdb-backup",
    description:
        "Rule 37 (kube-score, Polaris): a policy/v1 PodDisruptionBudget selects each multi-replica workload and still allows one voluntary eviction; production: etcd 3 members and pachd 2+ replicas spread over zones; PersistentVolumes and StorageClasses reclaim Retain; a CronJob runs the etcd snapshot backup (etcdctl snapshot save).",
    enforcementLevel: mandatory,
    configSchema: envConfigSchema,
    validateStack: (args, report) => {
        const all = workloads(args.resources);
        if (all.length === 0 && ofType(args.resources, K8S.PersistentVolume, K8S.StorageClass).length === 0)
            args.notApplicable("no Kubernetes workloads");
        const prod = stackEnv(args) === "prod";
        const pdbs = ofType(args.resources, K8S.PDB);
        for (const { r, v } of all) {
            if ((r.type !== K8S.Deployment && r.type !== K8S.StatefulSet) || v.replicas < 2) continue;
            const mine = pdbs.filter(
                (p) =>
                    (p.props?.metadata?.namespace ?? v.namespace) === v.namespace &&
                    !isEmptySelector(p.props?.spec?.selector) &&
                    selectorMatches(p.props?.spec?.selector, v.labels),
            );
            if (mine.length === 0) at(report, r)(`has ${v.replicas} replicas and no PodDisruptionBudget selects it`);
            else if (!mine.some((p) => allowsOneEviction(p.props ?? {}, v.replicas)))
                at(report, r)("its PodDisruptionBudget allows no voluntary eviction");
        }
        const roles = all.map(({ r, v }) => ({ r, v, role: workloadRole(r) }));
        const etcd = roles.filter((x) => x.role === "etcd");
        if (prod) {
            for (const x of etcd) {
                if (x.v.replicas !== 3) at(report, x.r)(`etcd has ${x.v.replicas} members, production requires 3`);
                if (!zoneSpread(x.v.spec))
                    at(
                        report,
                        x.r,
                    )(
                        "etcd members are not spread over zones (topologySpreadConstraints or podAntiAffinity on topology.kubernetes.io/zone)",
                    );
            }
            for (const x of roles.filter((y) => y.role === "pachd")) {
                if (x.v.replicas < 2) at(report, x.r)(`pachd has ${x.v.replicas} replica(s), production requires 2 or more`);
                if (!zoneSpread(x.v.spec)) at(report, x.r)("pachd replicas are not spread over zones");
            }
        }
        for (const pv of ofType(args.resources, K8S.PersistentVolume)) {
            if (pv.props?.spec?.persistentVolumeReclaimPolicy !== "Retain") at(report, pv)("persistentVolumeReclaimPolicy must be Retain");
        }
        for (const sc of ofType(args.resources, K8S.StorageClass)) {
            if (sc.props?.reclaimPolicy !== "Retain")
                at(report, sc)(`reclaimPolicy is '${sc.props?.reclaimPolicy ?? "Delete (default)"}', must be Retain`);
        }
        const [firstEtcd] = etcd;
        if (firstEtcd && !ofType(args.resources, K8S.CronJob).some(runsEtcdSnapshot))
            at(report, firstEtcd.r)("no etcd snapshot backup: no CronJob runs `etcdctl snapshot save`");
    },
};

function ingressSubnetCidrs(resources: PolicyResource[]): string[] {
    const out: string[] = [];
    const take = (s: Props, name: string) => {
        if (!/ingress/i.test(name)) return;
        for (const c of [s.addressPrefix, ...asArray(s.addressPrefixes)]) if (typeof c === "string") out.push(c);
    };
    for (const s of ofType(resources, "azure-native:network:Subnet")) take(s.props ?? {}, `${s.name} ${s.props?.subnetName ?? ""}`);
    for (const v of ofType(resources, "azure-native:network:VirtualNetwork"))
        for (const s of asArray<Props>(v.props?.subnets)) take(s, s.name ?? "");
    return out;
}

const pol = (n: PolicyResource): Props => n.props?.spec ?? {};
const isOpenCidr = (cidr: unknown) => cidr === "0.0.0.0/0" || cidr === "::/0";

/** A default-deny NetworkPolicy: every pod, Ingress and Egress, no rule. */
function isDefaultDeny(n: PolicyResource): boolean {
    const types = asArray<string>(pol(n).policyTypes);
    return (
        isEmptySelector(pol(n).podSelector) &&
        types.includes("Ingress") &&
        types.includes("Egress") &&
        asArray(pol(n).ingress).length === 0 &&
        asArray(pol(n).egress).length === 0
    );
}

/** Ingress rules of a NetworkPolicy that admit every source: no `from`, or an ipBlock of the whole internet. */
function openIngress(n: PolicyResource): string[] {
    return asArray<Props>(pol(n).ingress).flatMap((rule) => {
        const from = asArray<Props>(rule.from);
        if (from.length === 0) return ["an ingress rule without `from` admits every source"];
        return from.filter((peer) => isOpenCidr(peer.ipBlock?.cidr)).map((peer) => `an ingress rule admits ipBlock ${peer.ipBlock.cidr}`);
    });
}

type Role = { r: PolicyResource; v: PodView; role: ReturnType<typeof workloadRole> };

/**
 * What is wrong with the ingress of a store (etcd, postgres): "pachd" = Pachyderm's control plane (pachd and pachw,
 * the same binary in its two roles); postgres may also be reached through pachd's pooler (pg-bouncer); etcd by its
 * own members and by the etcd snapshot backup job (docs/policy.md rule 37). A peer is judged by the pods it actually selects among
 * the stack's workloads.
 */
function storeIngressProblems(store: Role, mine: PolicyResource[], inNs: (Role & { peer?: string })[], pachd: Role): string[] {
    const allowedPeers = store.role === "etcd" ? ["pachd", "pachw", "etcd", "etcd-backup"] : ["pachd", "pachw", "pg-bouncer"];
    const problems: string[] = [];
    for (const n of mine) {
        for (const rule of asArray<Props>(pol(n).ingress)) {
            const from = asArray<Props>(rule.from);
            if (from.length === 0) problems.push(`'${n.name}' allows ingress from anywhere`);
            for (const peer of from) {
                if (peer.ipBlock || peer.namespaceSelector || !peer.podSelector || isEmptySelector(peer.podSelector)) {
                    problems.push(
                        `'${n.name}' allows ${peer.ipBlock ? `ipBlock ${peer.ipBlock.cidr}` : peer.namespaceSelector ? "other namespaces" : "every pod of the namespace"}`,
                    );
                    continue;
                }
                const reached = inNs.filter((y) => selectorMatches(peer.podSelector, y.v.labels));
                const others = reached.filter((y) => !allowedPeers.includes(y.peer ?? ""));
                if (others.length > 0) problems.push(`'${n.name}' admits ${others.map((y) => y.v.name).join(", ")}`);
            }
        }
    }
    const admitsPachd = mine.some((n) =>
        asArray<Props>(pol(n).ingress).some((i) =>
            asArray<Props>(i.from).some(
                (p) => p.podSelector && !isEmptySelector(p.podSelector) && selectorMatches(p.podSelector, pachd.v.labels),
            ),
        ),
    );
    if (!admitsPachd) problems.push("no rule admits pachd");
    return problems;
}

export const networkPolicies: StackValidationPolicy = {
    name: "k8s-network-policies",
    description:
        "Rule 38 (kube-score, Polaris): a default-deny NetworkPolicy (ingress and egress) in the Pachyderm namespace plus explicit allows: pachd from the ingress subnet and inside the namespace; etcd and postgres from pachd only (etcd members may also reach each other); no ingress rule open to every source.",
    enforcementLevel: mandatory,
    configSchema: { properties: { namespace: { type: "string" } } },
    validateStack: (args, report) => {
        const roles = workloads(args.resources).map(({ r, v }) => ({ r, v, role: workloadRole(r) }));
        const found = roles.find((x) => x.role === "pachd");
        const ns = (args.getConfig() as { namespace?: string }).namespace ?? found?.v.namespace;
        if (!ns || !found) return args.notApplicable("no pachd workload in the stack");
        const pachd = found;
        const nps = ofType(args.resources, K8S.NetworkPolicy).filter((n) => n.props?.metadata?.namespace === ns);
        if (!nps.some(isDefaultDeny))
            at(
                report,
                pachd.r,
            )(
                `namespace '${ns}' has no default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no ingress or egress rules)`,
            );
        for (const n of nps) for (const problem of openIngress(n)) at(report, n)(problem);
        const selecting = (labels: Record<string, string>) =>
            nps.filter((n) => !isEmptySelector(pol(n).podSelector) && selectorMatches(pol(n).podSelector, labels));
        const peers = (n: PolicyResource): Props[] => asArray<Props>(pol(n).ingress).flatMap((i) => asArray<Props>(i.from));
        // pachd: from the ingress subnet and from inside the namespace.
        const pachdPeers = selecting(pachd.v.labels).flatMap(peers);
        const cidrs = ingressSubnetCidrs(args.resources);
        const fromSubnet = pachdPeers.some((p) => p.ipBlock?.cidr && (cidrs.length === 0 || cidrs.includes(p.ipBlock.cidr)));
        const fromNamespace = pachdPeers.some((p) => p.podSelector && !p.namespaceSelector && !p.ipBlock);
        if (!fromSubnet)
            at(report, pachd.r)(`no NetworkPolicy allows pachd from the ingress subnet${cidrs.length ? ` (${cidrs.join(", ")})` : ""}`);
        if (!fromNamespace) at(report, pachd.r)("no NetworkPolicy allows pachd from pods of its namespace");
        // etcd and postgres: from pachd only.
        const inNs = roles.filter((y) => y.v.namespace === ns).map((y) => ({ ...y, peer: peerRole(y.r) }));
        for (const x of roles.filter((y) => (y.role === "etcd" || y.role === "postgres") && y.v.namespace === ns)) {
            const mine = selecting(x.v.labels);
            if (mine.length === 0) {
                at(report, x.r)(`no NetworkPolicy selects ${x.role}`);
                continue;
            }
            const problems = storeIngressProblems(x, mine, inNs, pachd);
            if (problems.length > 0) at(report, x.r)(`${x.role} must accept ingress from pachd only: ${problems.join("; ")}`);
        }
    },
};
