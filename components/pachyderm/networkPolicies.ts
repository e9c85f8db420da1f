import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { needsClusterDefaults } from "./clusterDefaults";
import { labels } from "./common";
import { WORKER_PORTS } from "../../lib/facts/pachyderm";
import { POD_APP, PodRole } from "./flows";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, PACHD_PORTS, POSTGRES_PORT } from "./names";
import { BuildContext } from "./types";

type Selector = k8s.types.input.meta.v1.LabelSelector;

/** Pods by their `app` label; the flows each policy serves are listed in ./flows.ts (the connectivity matrix). */
const apps = (...roles: PodRole[]): Selector => ({
    matchExpressions: [{ key: "app", operator: "In", values: roles.map((r) => POD_APP[r]) }],
});
/** Pods that run Pachyderm's code and reach its stores: pachd, pachw and the pipeline workers (user container and storage sidecar). */
const PACHYDERM_CODE: PodRole[] = ["pachd", "pachw", "worker"];
const PUBLIC_IPV4: k8s.types.input.networking.v1.IPBlock = { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] };

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** A NetworkPolicy named `suffix` in the namespace. */
function policy(ctx: BuildContext, suffix: string, spec: PolicySpec): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        `${ctx.name}-np-${suffix}`,
        { metadata: { name: suffix, namespace: ctx.namespace, labels: labels("network-policy") }, spec },
        { parent: ctx.parent },
    );
}

const from = (...roles: PodRole[]) => [{ podSelector: apps(...roles) }];

export function createNetworkPolicies(ctx: BuildContext): pulumi.Resource[] {
    return [...namespaceBaseline(ctx), ...serverIngress(ctx), ...storesAndEgress(ctx)];
}

/** Deny everything, then DNS and pod-to-pod egress inside the namespace. */
function namespaceBaseline(ctx: BuildContext): k8s.networking.v1.NetworkPolicy[] {
    const np = (suffix: string, spec: PolicySpec) => policy(ctx, suffix, spec);
    return [
        // Everything is denied unless a policy below allows it (docs/policy.md rule 38).
        np("default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        np("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        }),
        // Pod-to-pod traffic inside the namespace may leave a pod; the ingress policies of the receivers decide.
        np("allow-egress-in-namespace", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] }),
    ];
}

/** Who may reach pachd, pachw, the workers and etcd. */
function serverIngress(ctx: BuildContext): k8s.networking.v1.NetworkPolicy[] {
    const { args } = ctx;
    const np = (suffix: string, spec: PolicySpec) => policy(ctx, suffix, spec);
    // Browsers follow Dex (identity port) and pachd's OIDC callback through the internal load balancer.
    const browserPorts = args.oidc ? [PACHD_PORTS.oidc.container, PACHD_PORTS.identity.container] : [];
    return [
        np("pachd-ingress", {
            podSelector: apps("pachd"),
            policyTypes: ["Ingress"],
            ingress: [
                // The ingress VM through the internal LB (externalTrafficPolicy Local keeps its address).
                {
                    from: [{ ipBlock: { cidr: args.network.ingressSubnetCidr } }],
                    ports: tcp(PACHD_PORTS.grpc.container, PACHD_PORTS.s3.container, ...browserPorts),
                },
                // In-cluster clients dial the pachd-peer Service.
                { from: from("pachd", "pachw", "worker", "console"), ports: tcp(PACHD_PORTS.peer.container) },
                ...(needsClusterDefaults(args) ? [{ from: from("cluster-defaults"), ports: tcp(PACHD_PORTS.grpc.container) }] : []),
            ],
        }),
        np("pachw-ingress", {
            podSelector: apps("pachw"),
            policyTypes: ["Ingress"],
            ingress: [{ from: from("pachd"), ports: tcp(PACHD_PORTS.peer.container) }],
        }),
        np("workers-ingress", {
            podSelector: apps("worker"),
            policyTypes: ["Ingress"],
            ingress: [{ from: from("pachd"), ports: tcp(WORKER_PORTS.grpc) }],
        }),
        np("etcd-ingress", {
            podSelector: apps("etcd"),
            policyTypes: ["Ingress"],
            ingress: [
                // Workers hold etcd leases and locks too (src/server/cmd/worker/main.go, src/server/worker/worker.go).
                { from: from(...PACHYDERM_CODE, "etcd-backup"), ports: tcp(ETCD_CLIENT_PORT) },
                { from: from("etcd"), ports: tcp(ETCD_CLIENT_PORT, ETCD_PEER_PORT) },
            ],
        }),
    ];
}

/** Egress to the object store, the API server, PostgreSQL (through pg-bouncer) and Entra ID. */
function storesAndEgress(ctx: BuildContext): k8s.networking.v1.NetworkPolicy[] {
    const { args } = ctx;
    const np = (suffix: string, spec: PolicySpec) => policy(ctx, suffix, spec);
    const res = [
        np("allow-egress-storage", {
            podSelector: apps(...PACHYDERM_CODE, "etcd-backup"),
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: args.storage.privateEndpointsCidr } }], ports: tcp(443) }],
        }),
        np("allow-egress-apiserver", {
            // Workers read their own pod (src/server/worker/driver/driver.go: GetContainerImageID).
            podSelector: apps(...PACHYDERM_CODE),
            policyTypes: ["Egress"],
            egress: [{ to: args.network.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(443) }],
        }),
    ];

    // pg-bouncer runs on every stack: the pooled connections of pachd, pachw and the workers, and Dex, go through it.
    res.push(
        np("pg-bouncer-ingress", {
            podSelector: apps("pg-bouncer"),
            policyTypes: ["Ingress"],
            ingress: [{ from: from(...PACHYDERM_CODE), ports: tcp(POSTGRES_PORT) }],
        }),
    );
    if (args.postgres.kind === "inCluster") {
        res.push(
            np("postgres-ingress", {
                podSelector: apps("postgres"),
                policyTypes: ["Ingress"],
                // pachd -> pg-bouncer -> postgres; pachd also keeps a direct connection for LISTEN/NOTIFY.
                ingress: [{ from: from("pg-bouncer", "pachd", "pachw"), ports: tcp(POSTGRES_PORT) }],
            }),
        );
    } else {
        // pachd's direct connection (TLS) and the bouncer's upstream connections (TLS) leave for the server's subnet.
        const egress = [{ to: [{ ipBlock: { cidr: args.postgres.subnetCidr! } }], ports: tcp(POSTGRES_PORT) }];
        res.push(
            np("allow-egress-postgres", { podSelector: apps("pachd", "pachw"), policyTypes: ["Egress"], egress }),
            np("pg-bouncer-egress-postgres", { podSelector: apps("pg-bouncer"), policyTypes: ["Egress"], egress }),
        );
    }

    if (args.storage.authMode === "workloadIdentity") {
        // Token exchange with Entra ID (login.microsoftonline.com) has no private endpoint; an egress firewall narrows it to the FQDN.
        const cidrs = args.network.entraIdEgressCidrs;
        res.push(
            np("allow-egress-entra-id", {
                podSelector: apps(...PACHYDERM_CODE, "etcd-backup"),
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: cidrs && cidrs.length > 0 ? cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [{ ipBlock: PUBLIC_IPV4 }],
                        ports: tcp(443),
                    },
                ],
            }),
        );
    }
    return res;
}
