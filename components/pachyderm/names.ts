import * as pulumi from "@pulumi/pulumi";

/**
 * Names and conventions shared with the rest of the stack. They do not depend on the namespace
 * so that the volumes component (components/pachydermVolumes.ts) can pre-create PersistentVolumes whose claimRef points at claims
 * this component creates later (static binding).
 */

/** Kubernetes object names Pachyderm itself looks up: they are fixed, never derived from the Pulumi name. */
export const K8S_NAMES = {
    pachd: "pachd",
    pachdPeer: "pachd-peer",
    pachdLb: "pachd-lb",
    pachw: "pachw",
    etcd: "etcd",
    etcdHeadless: "etcd-headless",
    postgres: "postgres",
    postgresHeadless: "postgres-headless",
    pgBouncer: "pg-bouncer",
    console: "console",
    etcdBackup: "etcd-backup",
    clusterDefaults: "cluster-defaults",
    serviceAccount: "pachyderm",
    workerServiceAccount: "pachyderm-worker",
    backupServiceAccount: "etcd-backup",
    etcdServiceAccount: "pachyderm-etcd",
    postgresServiceAccount: "pachyderm-postgres",
    pgBouncerServiceAccount: "pachyderm-pg-bouncer",
    consoleServiceAccount: "pachyderm-console",
    clusterDefaultsServiceAccount: "pachyderm-cluster-defaults",
    clusterDefaultsPachctlSecret: "pachyderm-cluster-defaults-pachctl",
    storageSecret: "pachyderm-storage-secret",
    postgresSecret: "postgres",
    authSecret: "pachyderm-auth",
    deploymentIdSecret: "pachyderm-deployment-id-secret",
    identitySecret: "pachyderm-identity",
    identityConfig: "pachyderm-identity-config",
    postgresInitConfig: "postgres-init",
} as const;

/** volumeClaimTemplate names of the StatefulSets. */
export const ETCD_CLAIM_TEMPLATE = "etcd-storage";
export const POSTGRES_CLAIM_TEMPLATE = "postgres-storage";

/** A StatefulSet looks for `<claimTemplate>-<statefulSet>-<ordinal>`; pre-creating that claim pins it to a given PV. */
export function statefulSetClaimName(claimTemplate: string, statefulSet: string, ordinal: number): string {
    if (!Number.isInteger(ordinal) || ordinal < 0) throw new pulumi.RunError(`ordinal must be a non-negative integer, got ${ordinal}`);
    return `${claimTemplate}-${statefulSet}-${ordinal}`;
}

/** Claim of etcd member `ordinal`, e.g. `etcd-storage-etcd-0`. */
export function etcdClaimName(ordinal: number): string {
    return statefulSetClaimName(ETCD_CLAIM_TEMPLATE, K8S_NAMES.etcd, ordinal);
}

/** Claim of the in-cluster PostgreSQL volume: `postgres-storage-postgres-0`. */
export function postgresClaimName(): string {
    return statefulSetClaimName(POSTGRES_CLAIM_TEMPLATE, K8S_NAMES.postgres, 0);
}

/** Every claim the volumes component must pre-bind (claimRef {namespace, name}) for a given layout. */
export function metadataClaimNames(etcdReplicas: number, postgresInCluster: boolean): string[] {
    const names = Array.from({ length: etcdReplicas }, (_, i) => etcdClaimName(i));
    if (postgresInCluster) names.push(postgresClaimName());
    return names;
}

/**
 * ServiceAccounts that need a federated identity credential on the user-assigned identity in
 * workload-identity mode (subject `system:serviceaccount:<ns>:<sa>`): pachd, the pipeline workers
 * (their storage sidecar opens the container) and the etcd backup job.
 */
export const WORKLOAD_IDENTITY_SERVICE_ACCOUNTS = [
    K8S_NAMES.serviceAccount,
    K8S_NAMES.workerServiceAccount,
    K8S_NAMES.backupServiceAccount,
] as const;

export function workloadIdentitySubjects(namespace: string): string[] {
    return WORKLOAD_IDENTITY_SERVICE_ACCOUNTS.map((sa) => `system:serviceaccount:${namespace}:${sa}`);
}

/** Ports: container ports and the Service ports pachctl knows. */
export const PACHD_PORTS = {
    s3: { container: 1600, service: 30600, name: "s3gateway-port" },
    grpc: { container: 1650, service: 30650, name: "api-grpc-port" },
    peer: { container: 1653, service: 30653, name: "peer-port" },
    metrics: { container: 1656, service: 30656, name: "prom-metrics" },
    oidc: { container: 1657, service: 30657, name: "oidc-port" },
    identity: { container: 1658, service: 30658, name: "identity-port" },
    http: { container: 1659, service: 30659, name: "api-http-port" },
} as const;

/**
 * Ports of the internal load balancer: gRPC and S3 for the ingress VM; with OIDC also Dex and pachd's OIDC
 * callback, which users' browsers open during `pachctl auth login` (the NSG of the AKS subnet must allow the same).
 */
export function pachdLoadBalancerPorts(oidc: boolean): (typeof PACHD_PORTS)[keyof typeof PACHD_PORTS][] {
    return [PACHD_PORTS.grpc, PACHD_PORTS.s3, ...(oidc ? [PACHD_PORTS.oidc, PACHD_PORTS.identity] : [])];
}

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const POSTGRES_PORT = 5432;
export const CONSOLE_PORT = 4000;

/** Prefix of the etcd snapshots inside the data container. */
export const ETCD_SNAPSHOT_PREFIX = "etcd-snapshots/";

/** Pinned images (never `latest`). */
export const IMAGES = {
    etcd: "pachyderm/etcd:v3.5.12",
    pgBouncer: "pachyderm/pgbouncer:1.16.2",
    postgres: "postgres:16.6",
    azureCli: "mcr.microsoft.com/azure-cli:2.67.0",
    pachd: (v: string) => `pachyderm/pachd:${v}`,
    worker: (v: string) => `pachyderm/worker:${v}`,
    pachctl: (v: string) => `pachyderm/pachctl:${v}`,
    console: (v: string) => `pachyderm/haberdashery:${v}`,
};
