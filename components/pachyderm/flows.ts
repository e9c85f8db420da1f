import { WORKER_PORTS } from "../../lib/facts/pachyderm";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, K8S_NAMES, PACHD_PORTS, POSTGRES_PORT } from "./names";

/**
 * The connectivity matrix: every network flow Pachyderm needs on this platform, with the source that needs
 * it (github:pachyderm/pachyderm at branch 2.12.x unless stated). The NetworkPolicies must allow exactly
 * these (tests/pachyderm/connectivity.test.ts evaluates the rendered policies against this list).
 */

/** Pods of the namespace, by their `app` label (pipeline workers carry `app: pipeline`). */
export type PodRole = "pachd" | "pachw" | "worker" | "etcd" | "postgres" | "pg-bouncer" | "console" | "etcd-backup" | "cluster-defaults";
/** Endpoints outside the namespace. */
export type ExternalRole = "kube-dns" | "api-server" | "blob-private-endpoint" | "entra-id" | "postgres-flexible" | "ingress-subnet";
export type Role = PodRole | ExternalRole;

export interface FlowPort {
    port: number;
    protocol: "TCP" | "UDP";
}

export interface Flow {
    from: Role;
    to: Role;
    ports: FlowPort[];
    /** Where the need comes from. */
    source: string;
}

export interface FlowConditions {
    /** PostgreSQL runs in the namespace (else: Azure Flexible Server in its subnet). */
    postgresInCluster: boolean;
    /** pg-bouncer runs in the namespace. */
    bouncerInCluster: boolean;
    /** Workload identity (Entra ID token exchange) rather than a shared key. */
    keyless: boolean;
    /** The cluster-defaults Job runs (keyless mode, or worker tolerations such as Spot's). */
    clusterDefaults: boolean;
    /** An upstream OIDC issuer: browsers reach pachd's OIDC and Dex ports through the internal load balancer. */
    oidc: boolean;
    console: boolean;
}

/** `app` label value of each pod role. */
export const POD_APP: Record<PodRole, string> = {
    pachd: K8S_NAMES.pachd,
    pachw: K8S_NAMES.pachw,
    // src/server/pps/server/api_server.go: pipelineLabels
    worker: "pipeline",
    etcd: K8S_NAMES.etcd,
    postgres: K8S_NAMES.postgres,
    "pg-bouncer": K8S_NAMES.pgBouncer,
    console: K8S_NAMES.console,
    "etcd-backup": K8S_NAMES.etcdBackup,
    "cluster-defaults": K8S_NAMES.clusterDefaults,
};

const tcp = (...ports: number[]): FlowPort[] => ports.map((port) => ({ port, protocol: "TCP" }));

export function pachydermFlows(c: FlowConditions): Flow[] {
    return [...storeFlows(c), ...peerFlows(c), ...optionalFlows(c)];
}

/** DNS, etcd, PostgreSQL (through the bouncer and direct), the object store and the API server. */
function storeFlows(c: FlowConditions): Flow[] {
    const pods: PodRole[] = ["pachd", "pachw", "worker", "etcd", "etcd-backup"];
    if (c.clusterDefaults) pods.push("cluster-defaults");
    if (c.postgresInCluster) pods.push("postgres");
    if (c.bouncerInCluster) pods.push("pg-bouncer");
    if (c.console) pods.push("console");
    const pachydermCode: PodRole[] = ["pachd", "pachw", "worker"];
    const bouncer: Role = c.bouncerInCluster ? "pg-bouncer" : "postgres-flexible";
    const database: Role = c.postgresInCluster ? "postgres" : "postgres-flexible";
    return [
        ...pods.map((from): Flow => ({
            from,
            to: "kube-dns",
            ports: [
                { port: 53, protocol: "UDP" },
                { port: 53, protocol: "TCP" },
            ],
            source: "Service names (etcd, pachd-peer, pg-bouncer, etcd-headless peers) resolve through CoreDNS",
        })),
        ...pachydermCode.map((from): Flow => ({
            from,
            to: "etcd",
            ports: tcp(ETCD_CLIENT_PORT),
            source:
                from === "worker"
                    ? "src/server/cmd/worker/main.go (etcd lease for the worker's address), src/server/worker/worker.go (dlock master lock)"
                    : "src/internal/serviceenv/service_env.go: initEtcdClient",
        })),
        ...pachydermCode.map((from): Flow => ({
            from,
            to: bouncer,
            ports: tcp(POSTGRES_PORT),
            source: "src/internal/serviceenv/service_env.go: initDBClient (PG_BOUNCER_HOST; workers get it from src/server/pps/server/worker_rc.go)",
        })),
        ...(["pachd", "pachw"] as PodRole[]).map((from): Flow => ({
            from,
            to: database,
            ports: tcp(POSTGRES_PORT),
            source: "src/internal/serviceenv/service_env.go: initDirectDBClient and newDirectListener (POSTGRES_HOST, LISTEN/NOTIFY)",
        })),
        ...(["pachd", "pachw", "worker", "etcd-backup"] as PodRole[]).map((from): Flow => ({
            from,
            to: "blob-private-endpoint",
            ports: tcp(443),
            source:
                from === "etcd-backup"
                    ? "components/pachyderm/backup.ts (az storage blob upload)"
                    : "STORAGE_BACKEND=MICROSOFT object storage (the worker's storage sidecar: src/internal/pachd/sidecar.go)",
        })),
        ...pachydermCode.map((from): Flow => ({
            from,
            to: "api-server",
            ports: tcp(443),
            source:
                from === "worker"
                    ? "src/server/worker/driver/driver.go: GetContainerImageID (serviceenv.InitWithKube in src/server/cmd/worker/main.go)"
                    : "src/server/pps/server/worker_rc.go (creates worker RCs, Services, Secrets); src/internal/pachd/pachw.go: initKube",
        })),
    ];
}

/** Pachyderm's pods among themselves, and the ingress VM to pachd. */
function peerFlows(c: FlowConditions): Flow[] {
    return [
        {
            from: "pachd",
            to: "pachd",
            ports: tcp(PACHD_PORTS.peer.container),
            source: "src/internal/client/client.go: NewInCluster dials PACHD_PEER_SERVICE_HOST (pachd-peer)",
        },
        {
            from: "pachw",
            to: "pachd",
            ports: tcp(PACHD_PORTS.peer.container),
            source: "src/internal/pachd/pachw.go: attemptPJSAuth (GetPachClient -> pachd-peer)",
        },
        {
            from: "worker",
            to: "pachd",
            ports: tcp(PACHD_PORTS.peer.container),
            source: "src/internal/serviceenv/service_env.go: newProxyClient (workers LISTEN through pachd)",
        },
        {
            from: "pachd",
            to: "pachw",
            ports: tcp(PACHD_PORTS.peer.container),
            source: "src/server/debug/server/server.go (debug dumps collect from every pachd-mode pod)",
        },
        {
            from: "pachd",
            to: "worker",
            ports: tcp(WORKER_PORTS.grpc),
            source: "src/server/worker/server/client.go: Status, Cancel (dialled by src/server/pps/server/api_server.go, monitor.go)",
        },
        {
            from: "etcd",
            to: "etcd",
            ports: tcp(ETCD_CLIENT_PORT, ETCD_PEER_PORT),
            source: "components/pachyderm/etcd.ts: --initial-cluster peers",
        },
        { from: "etcd-backup", to: "etcd", ports: tcp(ETCD_CLIENT_PORT), source: "components/pachyderm/backup.ts: etcdctl snapshot save" },
        {
            from: "ingress-subnet",
            to: "pachd",
            ports: tcp(
                PACHD_PORTS.grpc.container,
                PACHD_PORTS.s3.container,
                ...(c.oidc ? [PACHD_PORTS.oidc.container, PACHD_PORTS.identity.container] : []),
            ),
            source:
                "lib/cloudinit/ingress.ts (pachctl and S3 clients on the ingress VM, through the internal load balancer" +
                (c.oidc ? "; browsers follow Dex and pachd's OIDC callback: src/server/auth/server/oidc.go)" : ")"),
        },
    ];
}

/** Flows of the optional pods and modes: the bouncer's upstream, the cluster-defaults Job, Entra ID, the console. */
function optionalFlows(c: FlowConditions): Flow[] {
    const database: Role = c.postgresInCluster ? "postgres" : "postgres-flexible";
    const flows: Flow[] = [];
    if (c.bouncerInCluster) {
        flows.push({
            from: "pg-bouncer",
            to: database,
            ports: tcp(POSTGRES_PORT),
            source: "components/pachyderm/inClusterPostgres.ts: POSTGRESQL_HOST",
        });
    }
    if (c.clusterDefaults) {
        flows.push({
            from: "cluster-defaults",
            to: "pachd",
            ports: tcp(PACHD_PORTS.grpc.container),
            source: "components/pachyderm/clusterDefaults.ts: pachctl update defaults --cluster (grpc://pachd:30650)",
        });
    }
    if (c.keyless) {
        for (const from of ["pachd", "pachw", "worker", "etcd-backup"] as PodRole[]) {
            flows.push({
                from,
                to: "entra-id",
                ports: tcp(443),
                source: "https://learn.microsoft.com/azure/aks/workload-identity-overview (token exchange with login.microsoftonline.com, no private endpoint)",
            });
        }
    }
    if (c.console)
        flows.push({
            from: "console",
            to: "pachd",
            ports: tcp(PACHD_PORTS.peer.container),
            source: "components/pachyderm/console.ts: PACHD_ADDRESS (pachd-peer)",
        });
    return flows;
}
