/** Kubernetes workloads (docs/policy.md rules 34-38): the compliant and violating cases of tests/policy/rules.test.ts. */
import { container, NS, res } from "../fixtures";
import { RuleCases, golden } from "./shared";

/** A compliant extra Deployment (for network-policy cases). */
function consoleDeployment() {
    const labels = { app: "console", suite: "pachyderm" };
    return res("kubernetes:apps/v1:Deployment", "console", {
        metadata: { name: "console", namespace: NS, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    serviceAccountName: "etcd-backup",
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [container("console", "pachyderm/haberdashery:2.12.2")],
                },
            },
        },
    });
}

export const KUBERNETES_CASES: Record<string, RuleCases> = {
    "k8s-pod-security": {
        compliant: golden,
        violating: [
            {
                title: "root container",
                mutate: (s) => {
                    const c = s.pod("pachd").containers[0];
                    c.securityContext.runAsNonRoot = false;
                    c.securityContext.runAsUser = 0;
                },
            },
            {
                title: "privilege escalation",
                mutate: (s) => {
                    s.pod("etcd").containers[0].securityContext.allowPrivilegeEscalation = true;
                },
            },
            {
                title: "writable root fs",
                mutate: (s) => {
                    s.pod("etcd-backup").containers[0].securityContext.readOnlyRootFilesystem = false;
                },
            },
            {
                title: "a non-zero runAsUser without runAsNonRoot",
                mutate: (s) => {
                    delete s.pod("pachd").securityContext.runAsNonRoot;
                    delete s.pod("pachd").containers[0].securityContext.runAsNonRoot;
                },
            },
            {
                title: "capabilities not dropped",
                mutate: (s) => {
                    s.pod("pachd").containers[0].securityContext.capabilities = { add: ["NET_ADMIN"] };
                },
            },
            {
                title: "ALL dropped but a capability added back",
                mutate: (s) => {
                    s.pod("etcd").containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"];
                },
            },
            {
                title: "no seccomp",
                mutate: (s) => {
                    delete s.pod("pachd").securityContext.seccompProfile;
                },
            },
            {
                title: "hostNetwork",
                mutate: (s) => {
                    s.pod("etcd").hostNetwork = true;
                },
            },
            {
                title: "hostPath volume",
                mutate: (s) => {
                    s.pod("etcd").volumes = [{ name: "host", hostPath: { path: "/var/lib/etcd" } }];
                },
            },
        ],
    },
    "k8s-resources-probes-pinned-images": {
        compliant: golden,
        violating: [
            {
                title: "no CPU request",
                mutate: (s) => {
                    delete s.pod("pachd").containers[0].resources.requests.cpu;
                },
            },
            {
                title: "no memory limit",
                mutate: (s) => {
                    delete s.pod("etcd").containers[0].resources.limits;
                },
            },
            {
                title: "no readiness probe",
                mutate: (s) => {
                    delete s.pod("pachd").containers[0].readinessProbe;
                },
            },
            {
                title: "latest image",
                mutate: (s) => {
                    s.pod("etcd-backup").containers[0].image = "pachyderm/etcd:latest";
                },
            },
            {
                title: "untagged image",
                mutate: (s) => {
                    s.pod("pachd").containers[0].image = "pachyderm/pachd";
                },
            },
        ],
    },
    "k8s-service-accounts-namespaces": {
        compliant: golden,
        violating: [
            {
                title: "default service account",
                mutate: (s) => {
                    delete s.pod("etcd").serviceAccountName;
                },
            },
            {
                title: "token automounted without API access",
                mutate: (s) => {
                    s.pod("etcd").automountServiceAccountToken = true;
                },
            },
            {
                title: "pod leaves token automount to its ServiceAccount",
                mutate: (s) => {
                    delete s.pod("etcd").automountServiceAccountToken;
                },
            },
            {
                title: "ServiceAccount mounts its token by default",
                mutate: (s) => {
                    s.in("pachd-sa").automountServiceAccountToken = true;
                },
            },
            {
                title: "object in the default namespace",
                mutate: (s) => {
                    s.in("etcd-headless").metadata.namespace = "default";
                },
            },
        ],
    },
    "k8s-availability-pdb-backup": {
        compliant: [
            ...golden,
            {
                title: "single etcd and pachd in dev",
                env: "dev",
                mutate: (s) => {
                    s.in("etcd").spec.replicas = 1;
                    s.in("pachd").spec.replicas = 1;
                },
            },
        ],
        violating: [
            {
                title: "no PDB for pachd",
                mutate: (s) => {
                    s.remove("pachd-pdb");
                },
            },
            {
                title: "PDB allows no eviction",
                mutate: (s) => {
                    s.in("etcd-pdb").spec.minAvailable = 3;
                },
            },
            {
                title: "single etcd in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("etcd").spec.replicas = 1;
                    s.remove("etcd-pdb");
                },
            },
            {
                title: "pachd not zone-spread in prod",
                env: "prod",
                mutate: (s) => {
                    delete s.pod("pachd").topologySpreadConstraints;
                },
            },
            {
                title: "StorageClass Delete",
                mutate: (s) => {
                    s.in("metadata-sc").reclaimPolicy = "Delete";
                },
            },
            {
                title: "no etcd backup job",
                mutate: (s) => {
                    s.remove("etcd-backup");
                    s.remove("backup-sa");
                },
            },
            {
                title: "the etcd backup CronJob does not run etcdctl snapshot save",
                mutate: (s) => {
                    s.pod("etcd-backup").containers[0].command = ["etcdctl", "endpoint", "health"];
                },
            },
        ],
    },
    "k8s-network-policies": {
        compliant: [
            ...golden,
            {
                title: "etcd peers as a matchExpressions selector (pachd, etcd-backup)",
                mutate: (s) => {
                    s.add(consoleDeployment());
                    s.in("etcd-allow").spec.ingress[0].from = [
                        { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["pachd", "etcd-backup"] }] } },
                    ];
                },
            },
        ],
        violating: [
            {
                title: "no default deny",
                mutate: (s) => {
                    s.remove("default-deny");
                },
            },
            {
                title: "default deny of ingress only",
                mutate: (s) => {
                    s.in("default-deny").spec.policyTypes = ["Ingress"];
                },
            },
            {
                title: "pachd open to every source (an ingress rule without from)",
                mutate: (s) => {
                    s.in("pachd-allow").spec.ingress.push({ ports: [{ port: 1650 }] });
                },
            },
            {
                title: "pachd open to the internet (ipBlock 0.0.0.0/0)",
                mutate: (s) => {
                    s.in("pachd-allow").spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } });
                },
            },
            {
                title: "pachd not reachable from the ingress subnet",
                mutate: (s) => {
                    s.in("pachd-allow").spec.ingress[0].from = [{ podSelector: {} }];
                },
            },
            {
                title: "etcd open to the namespace",
                mutate: (s) => {
                    s.in("etcd-allow").spec.ingress[0].from.push({ podSelector: {} });
                },
            },
            {
                title: "etcd admits another workload",
                mutate: (s) => {
                    s.add(consoleDeployment());
                    s.in("etcd-allow").spec.ingress[0].from = [
                        { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["pachd", "console"] }] } },
                    ];
                },
            },
        ],
    },
};
