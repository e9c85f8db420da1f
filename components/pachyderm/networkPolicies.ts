import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./common";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, K8S_NAMES, PACHD_PORTS, POSTGRES_PORT } from "./names";
import { BuildContext } from "./types";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Selector = k8s.types.input.meta.v1.LabelSelector;

/** Pods that run Pachyderm code (pachd, pachw, pipeline workers, backup): everything except the stores and the console. */
const PACHYDERM_CODE: Selector = {
    matchExpressions: [{ key: "app", operator: "NotIn", values: [K8S_NAMES.etcd, K8S_NAMES.postgres, K8S_NAMES.pgBouncer, K8S_NAMES.console] }],
};
const apps = (...values: string[]): Selector => ({ matchExpressions: [{ key: "app", operator: "In", values }] });
/** Pachyderm labels its pipeline worker pods `component: worker`. */
const WORKERS: Selector = { matchLabels: { component: "worker" } };
const PUBLIC_IPV4: k8s.types.input.networking.v1.IPBlock = { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] };

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

export function createNetworkPolicies(ctx: BuildContext): pulumi.Resource[] {
    const { name, parent, args, namespace } = ctx;
    const np = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
        new k8s.networking.v1.NetworkPolicy(`${name}-np-${suffix}`, {
            metadata: { name: suffix, namespace, labels: labels("network-policy") },
            spec,
        }, { parent });
    const pachdContainerPorts = Object.values(PACHD_PORTS).map((p) => p.container);
    const inNamespace = (podSelector: Selector): Peer => ({ podSelector });

    const res = [
        // Everything is denied unless a policy below allows it (rule 38).
        np("default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        np("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
            }],
        }),
        // Pod-to-pod traffic inside the namespace may leave a pod; the ingress policies of the receivers decide.
        np("allow-egress-in-namespace", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] }),
        np("pachd-ingress", {
            podSelector: { matchLabels: { app: "pachd" } },
            policyTypes: ["Ingress"],
            ingress: [
                // The ingress VM through the internal LB (externalTrafficPolicy Local keeps its address).
                { from: [{ ipBlock: { cidr: args.network.ingressSubnetCidr } }], ports: tcp(PACHD_PORTS.grpc.container, PACHD_PORTS.s3.container) },
                { from: [{ podSelector: {} }], ports: tcp(...pachdContainerPorts) },
            ],
        }),
        np("pachw-ingress", {
            podSelector: { matchLabels: { app: "pachw" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [inNamespace(apps("pachd", "pachw"))], ports: tcp(...pachdContainerPorts) }],
        }),
        np("workers-ingress", {
            podSelector: WORKERS,
            policyTypes: ["Ingress"],
            ingress: [{ from: [inNamespace(apps("pachd", "pachw")), inNamespace(WORKERS)] }],
        }),
        np("etcd-ingress", {
            podSelector: { matchLabels: { app: K8S_NAMES.etcd } },
            policyTypes: ["Ingress"],
            ingress: [
                { from: [inNamespace(apps("pachd", "pachw", K8S_NAMES.etcdBackup))], ports: tcp(ETCD_CLIENT_PORT) },
                { from: [inNamespace({ matchLabels: { app: K8S_NAMES.etcd } })], ports: tcp(ETCD_CLIENT_PORT, ETCD_PEER_PORT) },
            ],
        }),
        np("allow-egress-storage", {
            podSelector: PACHYDERM_CODE,
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: args.storage.privateEndpointsCidr } }], ports: tcp(443) }],
        }),
        np("allow-egress-apiserver", {
            podSelector: apps("pachd", "pachw"),
            policyTypes: ["Egress"],
            egress: [{ to: args.network.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(443) }],
        }),
    ];

    // pg-bouncer runs on every stack: pachd's pooled connection and Dex always go through it.
    res.push(np("pg-bouncer-ingress", {
        podSelector: { matchLabels: { app: K8S_NAMES.pgBouncer } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [inNamespace(apps("pachd", "pachw")), inNamespace(WORKERS)], ports: tcp(POSTGRES_PORT) }],
    }));
    if (args.postgres.kind === "inCluster") {
        res.push(np("postgres-ingress", {
            podSelector: { matchLabels: { app: K8S_NAMES.postgres } },
            policyTypes: ["Ingress"],
            // pachd -> pg-bouncer -> postgres; pachd also keeps a direct connection for LISTEN/NOTIFY.
            ingress: [{ from: [inNamespace(apps(K8S_NAMES.pgBouncer, "pachd", "pachw"))], ports: tcp(POSTGRES_PORT) }],
        }));
    } else {
        // pachd's direct connection (TLS) and the bouncer's upstream connections (TLS) leave for the server's subnet.
        const egress = [{ to: [{ ipBlock: { cidr: args.postgres.subnetCidr! } }], ports: tcp(POSTGRES_PORT) }];
        res.push(
            np("allow-egress-postgres", { podSelector: PACHYDERM_CODE, policyTypes: ["Egress"], egress }),
            np("pg-bouncer-egress-postgres", { podSelector: { matchLabels: { app: K8S_NAMES.pgBouncer } }, policyTypes: ["Egress"], egress }),
        );
    }

    if (args.storage.authMode === "workloadIdentity") {
        // Token exchange with Entra ID (login.microsoftonline.com) has no private endpoint; an egress firewall narrows it to the FQDN.
        const cidrs = args.network.entraIdEgressCidrs;
        res.push(np("allow-egress-entra-id", {
            podSelector: PACHYDERM_CODE,
            policyTypes: ["Egress"],
            egress: [{ to: cidrs && cidrs.length > 0 ? cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [{ ipBlock: PUBLIC_IPV4 }], ports: tcp(443) }],
        }));
    }
    return res;
}
