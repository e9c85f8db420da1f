import type { JsonValue } from "../json";

/**
 * Behaviour of Pachyderm 2.12 and of the images it ships that this program relies on, each with its
 * source (github:pachyderm/pachyderm at branch 2.12.x unless said otherwise; the mirror has no
 * v2.12.2 tag). Tests check the rendered objects against these facts, and the integration tests
 * check the facts themselves against real servers (tests/integration/pgbouncer.test.ts,
 * tests/integration/etcd-backup.test.ts).
 */

/** Where a fact comes from: `<repo>@<ref>:<path>`. */
export const PACHYDERM_REF = "github:pachyderm/pachyderm@2.12.x";

/**
 * The `pachyderm/pgbouncer` image (Dockerfile.pgbouncer: debian:bullseye, pgbouncer built from
 * source, `ENTRYPOINT ["/entrypoint.sh"]`, `CMD ["/usr/bin/pgbouncer", "/tmp/pgbouncer.ini"]`).
 * Its entrypoint (etc/pgbouncer/entrypoint.sh) writes /tmp/userlist.txt and /tmp/pgbouncer.ini from
 * the environment; it reads nothing else.
 */
export const PGBOUNCER_IMAGE = {
    source: `${PACHYDERM_REF}:etc/pgbouncer/entrypoint.sh`,
    /** Git blob id of that entrypoint at 2.12.x: the vendored copy under tests/fixtures must match it. */
    entrypointBlob: "e99c69adf16c5262278050ba39474c1eea9176d5",
    /** `auth_type = ${PGBOUNCER_AUTH_TYPE:-md5}`; with md5 the userlist holds `md5(password+user)`, otherwise the plain password. */
    authTypeEnv: "PGBOUNCER_AUTH_TYPE",
    defaultAuthType: "md5",
    /** `server_tls_sslmode = ${PGBOUNCER_SERVER_TLS_SSLMODE}` (omitted when empty: pgbouncer then uses no TLS upstream). */
    serverTlsSslmodeEnv: "PGBOUNCER_SERVER_TLS_SSLMODE",
    /** `listen_port = ${LISTEN_PORT:-5432}`: the chart's PGBOUNCER_PORT is not read by this entrypoint. */
    listenPort: 5432,
    /** Config and userlist go to /tmp (PG_CONFIG_DIR=/tmp): a writable /tmp is all the image needs. */
    configDir: "/tmp",
    /** Dockerfile.pgbouncer: debian:bullseye with postgresql-client, so bash, sh, psql and grep exist. */
    hasShellAndPsql: true,
} as const;

/**
 * How pachd 2.12 connects to PostgreSQL (src/internal/serviceenv/service_env.go, service_env_nocgo.go,
 * src/internal/pachconfig/config.go):
 * - the pooled client (initDBClient) dials PG_BOUNCER_HOST:PG_BOUNCER_PORT with `SSLModeDisable`, always;
 * - Dex (InitDexDB) dials PG_BOUNCER_HOST:PG_BOUNCER_PORT, database IDENTITY_SERVER_DATABASE, `SSLModeDisable`, always;
 * - the direct client and the LISTEN/NOTIFY listener dial POSTGRES_HOST:POSTGRES_PORT with POSTGRES_SSL (default disable).
 * - pipeline workers get PG_BOUNCER_HOST/PG_BOUNCER_PORT copied from pachd and POSTGRES_HOST/POSTGRES_PORT set
 *   empty (src/server/pps/server/worker_rc.go): workers reach PostgreSQL only through the bouncer.
 * So whatever PG_BOUNCER_HOST names must accept plaintext: it can only be an in-cluster pg-bouncer, never a
 * server that requires TLS (Azure Flexible Server with require_secure_transport).
 */
export const PACHD_POSTGRES = {
    source: `${PACHYDERM_REF}:src/internal/serviceenv/service_env.go`,
    pooledSslMode: "disable",
    dexSslMode: "disable",
    directSslEnv: "POSTGRES_SSL",
} as const;

/**
 * The `pachyderm/etcd` image is `FROM gcr.io/etcd-development/etcd:$ETCD_VERSION` (Dockerfile.etcd), and
 * that image is distroless (github:etcd-io/etcd@v3.5.12:Dockerfile-release.amd64:
 * `FROM gcr.io/distroless/static-debian11`, `ADD etcd etcdctl etcdutl /usr/local/bin/`): no shell, no
 * coreutils. Commands in it must be exec-form calls of those binaries.
 */
export const ETCD_IMAGE = {
    source: `${PACHYDERM_REF}:Dockerfile.etcd; github:etcd-io/etcd@v3.5.12:Dockerfile-release.amd64`,
    etcdctl: "/usr/local/bin/etcdctl",
    hasShell: false,
    /**
     * etcdctl reads every global flag from `ETCDCTL_<FLAG>` (github:etcd-io/etcd@v3.5.12:etcdctl/README.md),
     * e.g. ETCDCTL_ENDPOINTS; the v3 API is the default since 3.4.
     */
    endpointsEnv: "ETCDCTL_ENDPOINTS",
} as const;

/**
 * mcr.microsoft.com/azure-cli images (github:Azure/azure-cli:azure-linux.dockerfile) end with `CMD bash`:
 * bash and coreutils are part of the image, so the uploader may use them.
 */
export const AZURE_CLI_IMAGE = {
    source: "github:Azure/azure-cli:azure-linux.dockerfile",
    shell: "bash",
} as const;

// ---- pipeline workers, cluster defaults, identity (src/server/pps, src/identity, src/auth) ----------------

/** Container names of a worker pod (src/internal/client/pps.go: PPSWorkerUserContainerName, PPSWorkerSidecarContainerName). */
export const WORKER_CONTAINERS = { init: "init", user: "user", storage: "storage" } as const;

/** Ports of a worker pod. */
export const WORKER_PORTS = {
    /** Worker gRPC server (PPS_WORKER_GRPC_PORT, pachd's default 1080: src/internal/pachconfig/config.go); pachd dials it for job status and cancel (src/server/worker/server/client.go). */
    grpc: 1080,
    /** src/server/worker/stats/stats.go: PrometheusPort (user container) and SidecarPrometheusPort (storage sidecar). */
    userMetrics: 9090,
    sidecarMetrics: 9091,
} as const;

/** The image pachd runs user code in when a pipeline names none (src/server/pps/server/api_server.go: DefaultUserImage). */
export const DEFAULT_USER_IMAGE = "ubuntu:20.04";

/**
 * Labels pachd puts on a pipeline's ReplicationController and worker pods
 * (src/server/pps/server/api_server.go: pipelineLabels). Pipeline `metadata.labels` are added after these,
 * never overriding them (src/server/pps/server/worker_rc.go: getWorkerOptions).
 */
export function workerPodLabels(
    pipeline: { project: string; name: string; version: number },
    metadataLabels: Record<string, string> = {},
): Record<string, string> {
    const labels: Record<string, string> = {
        app: "pipeline",
        pipelineName: pipeline.name,
        pipelineVersion: String(pipeline.version),
        suite: "pachyderm",
        component: "worker",
    };
    if (pipeline.project !== "") labels.pipelineProject = pipeline.project;
    for (const [k, v] of Object.entries(metadataLabels)) if (!labels[k]) labels[k] = v;
    return labels;
}

export interface WorkerPodInputs {
    /** WORKER_SERVICE_ACCOUNT of pachd (default "pachyderm-worker"). */
    serviceAccount: string;
    /** WORKER_IMAGE (init container) and WORKER_SIDECAR_IMAGE (storage sidecar). */
    workerImage: string;
    sidecarImage: string;
    /** ENABLE_WORKER_SECURITY_CONTEXTS of pachd. */
    enableWorkerSecurityContexts: boolean;
    /** WORKER_USES_ROOT of pachd. */
    workerUsesRoot?: boolean;
    /** The pipeline's transform.user ("" when unset) and transform.image. */
    transformUser?: string;
    userImage?: string;
    /** Labels the effective pipeline spec (cluster defaults merged with the user's spec) carries in metadata.labels. */
    metadataLabels?: Record<string, string>;
    /** The effective pipeline spec's tolerations (pod spec `Tolerations: options.tolerations`, worker_rc.go). */
    tolerations?: PpsToleration[];
    /** pachd's own settings that it copies into the worker's environment (name -> value). */
    pachdEnv: Record<string, string>;
}

/**
 * Worker environment. pachd sets neither ETCD_SERVICE_HOST/PORT nor PACHD_PEER_SERVICE_HOST/PORT, which the
 * worker and sidecar require (src/internal/pachconfig/config.go: EtcdHost `required`;
 * src/internal/client/client.go: NewInCluster): they come from the Service links Kubernetes injects for the
 * `etcd` and `pachd-peer` Services of the namespace, so those names are fixed and enableServiceLinks stays on.
 */
function workerEnv(inputs: WorkerPodInputs): { common: JsonValue[]; sidecar: JsonValue[]; user: JsonValue[] } {
    const v = (name: string) => ({ name, value: inputs.pachdEnv[name] ?? "" });
    const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
    const common = [
        { name: "PACH_ROOT", value: inputs.pachdEnv.PACH_ROOT ?? "/pach" },
        v("PACH_NAMESPACE"),
        v("STORAGE_BACKEND"),
        v("STORAGE_URL"),
        v("POSTGRES_USER"),
        { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "postgres", key: "postgresql-password" } } },
        v("POSTGRES_DATABASE"),
        v("PG_BOUNCER_HOST"),
        v("PG_BOUNCER_PORT"),
        { name: "PEER_PORT", value: "1653" },
        { name: "PPS_SPEC_COMMIT", value: "" },
        { name: "PPS_PROJECT_NAME", value: "default" },
        { name: "PPS_PIPELINE_NAME", value: "edges" },
        { name: "LOKI_SERVICE_HOST", value: "" },
        { name: "LOKI_SERVICE_PORT", value: "" },
        { name: "GOCOVERDIR", value: "/tmp" },
        // Set empty on purpose, so that Service links of a `postgres` Service do not leak in.
        { name: "POSTGRES_PORT", value: "" },
        { name: "POSTGRES_HOST", value: "" },
    ];
    const sidecar = [
        { name: "PORT", value: "1650" },
        field("PACHD_POD_NAME", "metadata.name"),
        { name: "GC_PERCENT", value: "100" },
        { name: "PROMETHEUS_PORT", value: String(WORKER_PORTS.sidecarMetrics) },
        { name: "STORAGE_UPLOAD_CONCURRENCY_LIMIT", value: "100" },
        ...common,
    ];
    const user = [
        { name: "PACH_IN_WORKER", value: "true" },
        field("PPS_WORKER_IP", "status.podIP"),
        { name: "PPS_ETCD_PREFIX", value: "pachyderm_pps" },
        field("PPS_POD_NAME", "metadata.name"),
        { name: "PPS_WORKER_GRPC_PORT", value: inputs.pachdEnv.PPS_WORKER_GRPC_PORT ?? String(WORKER_PORTS.grpc) },
        ...common,
    ];
    return { common, sidecar, user };
}

/** A container's and the pod's security contexts as worker_rc.go writes them. */
type WorkerContainerSecurity = { runAsUser: number; runAsGroup?: number } & Partial<typeof PACH_SECURITY>;
type WorkerPodSecurity = { runAsUser: number; runAsGroup: number; fsGroup: number; runAsNonRoot: true; seccompProfile: { type: string } };
const PACH_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["all"] } };

/**
 * The security contexts of the worker pod (worker_rc.go: workerPodSpec): `pach` for the init and storage
 * containers, `user` for the user container, `pod` for the pod; undefined where pachd sets none.
 */
function workerSecurityContexts(inputs: WorkerPodInputs): {
    pach?: WorkerContainerSecurity;
    user?: WorkerContainerSecurity;
    pod?: WorkerPodSecurity;
} {
    if (!inputs.enableWorkerSecurityContexts) return {};
    if (inputs.workerUsesRoot) return { pach: { runAsUser: 0 }, user: { runAsUser: 0 } };
    const pach = { runAsUser: 1000, runAsGroup: 1000, ...PACH_SECURITY };
    const user = inputs.transformUser ?? "";
    if (!/^-?\d+$/.test(user)) return { pach };
    const id = Number(user);
    return {
        pach,
        user: { runAsUser: id, runAsGroup: id, ...PACH_SECURITY },
        pod: { runAsUser: id, runAsGroup: id, fsGroup: id, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    };
}

/**
 * The worker pod pachd 2.12 creates for a pipeline without secrets, spouts, s3 inputs, pod_spec or
 * pod_patch (src/server/pps/server/worker_rc.go: workerPodSpec, getWorkerOptions, createWorkerSvcAndRc).
 * With ENABLE_WORKER_SECURITY_CONTEXTS the init and storage containers run as uid 1000 and drop
 * `["all"]` (lowercase); the user container gets a security context only when the pipeline sets
 * transform.user; the pod gets none unless transform.user is a number.
 */
export function workerPod(inputs: WorkerPodInputs): {
    apiVersion: "v1";
    kind: "Pod";
    metadata: { labels: Record<string, string> };
    spec: JsonValue;
} {
    const { pach: pachSecurityCtx, user: userSecurityCtx, pod: podSecurityCtx } = workerSecurityContexts(inputs);
    const storageSecret = "pachyderm-storage-secret"; // src/internal/client/client.go: StorageSecretName
    const env = workerEnv(inputs);
    const emptyDir = (name: string) => ({ name, emptyDir: {} });
    const spec: JsonValue = {
        initContainers: [
            {
                name: WORKER_CONTAINERS.init,
                image: inputs.workerImage,
                command: ["/app/init"],
                volumeMounts: [
                    { name: "pach-bin", mountPath: "/pach-bin" },
                    { name: "pachyderm-worker", mountPath: "/pfs" },
                ],
                resources: { requests: { cpu: "0", memory: "64M" } },
                securityContext: pachSecurityCtx,
            },
        ],
        containers: [
            {
                name: WORKER_CONTAINERS.user,
                image: inputs.userImage ?? DEFAULT_USER_IMAGE,
                command: ["/pach-bin/dumb-init", "--", "/pach-bin/worker"],
                env: env.user,
                ports: [{ name: "metrics-user", containerPort: WORKER_PORTS.userMetrics }],
                volumeMounts: [
                    { name: "pach-bin", mountPath: "/pach-bin" },
                    { name: "pachyderm-worker", mountPath: "/pfs" },
                    { name: "pach-dir-volume", mountPath: "/pach" },
                    { name: "user-tmp", mountPath: "/tmp" },
                    { name: storageSecret, mountPath: `/${storageSecret}` },
                ],
                securityContext: userSecurityCtx,
            },
            {
                name: WORKER_CONTAINERS.storage,
                image: inputs.sidecarImage,
                command: ["/pachd", "--mode", "sidecar"],
                env: env.sidecar,
                envFrom: [{ secretRef: { name: storageSecret } }],
                ports: [{ name: "metrics-storage", containerPort: WORKER_PORTS.sidecarMetrics }],
                volumeMounts: [
                    { name: "pach-dir-volume", mountPath: "/pach" },
                    { name: storageSecret, mountPath: `/${storageSecret}` },
                    { name: "tmp", mountPath: "/tmp" },
                ],
                resources: { requests: { cpu: "0", memory: "64M" } },
                securityContext: pachSecurityCtx,
            },
        ],
        serviceAccountName: inputs.serviceAccount,
        automountServiceAccountToken: true,
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 0,
        volumes: [
            emptyDir("pach-bin"),
            emptyDir("pachyderm-worker"),
            emptyDir("pach-dir-volume"),
            emptyDir("user-tmp"),
            emptyDir("tmp"),
            { name: storageSecret, secret: { secretName: storageSecret } },
        ],
        securityContext: podSecurityCtx,
        ...(inputs.tolerations?.length ? { tolerations: inputs.tolerations.map(workerPodToleration) } : {}),
    };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { labels: workerPodLabels({ project: "default", name: "edges", version: 1 }, inputs.metadataLabels) },
        spec: JSON.parse(JSON.stringify(spec)),
    };
}

/**
 * Cluster defaults: a JSON `ClusterDefaults` message (src/pps/pps.proto) whose `createPipelineRequest` is
 * JSON-merge-patched under every pipeline spec (src/server/pps/server/defaults.go: makeEffectiveSpec), so
 * maps such as metadata.labels merge key by key. They live in PostgreSQL and are set only through the
 * API (`pachctl update defaults --cluster`, src/server/pps/cmds/cmds.go; SetClusterDefaults in
 * src/server/pps/server/api_server.go): there is no pachd environment variable for them.
 */
export function clusterDefaults(workerPodLabels: Record<string, string>, workerTolerations: KubernetesToleration[] = []): ClusterDefaults {
    const tolerations = workerTolerations.map(ppsToleration);
    return { createPipelineRequest: { metadata: { labels: workerPodLabels }, ...(tolerations.length ? { tolerations } : {}) } };
}

export interface ClusterDefaults {
    createPipelineRequest: { metadata: { labels: Record<string, string> }; tolerations?: PpsToleration[] };
}

/** A Kubernetes toleration with an explicit operator (pachd refuses a toleration without one, see below). */
export interface KubernetesToleration {
    key: string;
    operator: "Equal" | "Exists";
    value?: string;
    effect: "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/**
 * pps_v2.Toleration as protojson (src/pps/pps.proto at 2.12.x: `message Toleration` with key, operator, value,
 * effect; CreatePipelineRequest `repeated Toleration tolerations = 34`): enums by name, TolerationOperator
 * EMPTY/EXISTS/EQUAL and TaintEffect ALL_EFFECTS/NO_SCHEDULE/PREFER_NO_SCHEDULE/NO_EXECUTE. pachd turns it into
 * the worker pod's toleration in src/server/pps/server/worker_rc.go (transformToleration), refusing EMPTY.
 * A pipeline that sets its own `tolerations` replaces this list (JSON merge patch replaces arrays, defaults.go).
 */
export interface PpsToleration {
    key: string;
    operator: "EXISTS" | "EQUAL";
    value?: string;
    effect: "ALL_EFFECTS" | "NO_SCHEDULE" | "PREFER_NO_SCHEDULE" | "NO_EXECUTE";
}

const PPS_OPERATOR = { Equal: "EQUAL", Exists: "EXISTS" } as const;
const PPS_EFFECT = {
    "": "ALL_EFFECTS",
    NoSchedule: "NO_SCHEDULE",
    PreferNoSchedule: "PREFER_NO_SCHEDULE",
    NoExecute: "NO_EXECUTE",
} as const;

export function ppsToleration(t: KubernetesToleration): PpsToleration {
    return {
        key: t.key,
        operator: PPS_OPERATOR[t.operator],
        ...(t.value !== undefined ? { value: t.value } : {}),
        effect: PPS_EFFECT[t.effect],
    };
}

/** What pachd makes of a pps_v2.Toleration (worker_rc.go at 2.12.x: transformToleration). */
export function workerPodToleration(t: PpsToleration): { key: string; operator: string; value: string; effect: string } {
    const operator = Object.entries(PPS_OPERATOR).find(([, v]) => v === t.operator)?.[0];
    if (!operator) throw new Error("cannot omit key/value comparison operator; specify EQUAL or EXISTS");
    const effect = Object.entries(PPS_EFFECT).find(([, v]) => v === t.effect)?.[0] ?? "";
    return { key: t.key, operator, value: t.value ?? "", effect };
}

/**
 * Fields of identity_v2.IDPConnector (src/identity/identity.proto). pachd parses IDP_CONNECTORS entry by
 * entry with protojson.Unmarshal, which rejects unknown fields (src/server/identityutil/identityutil.go),
 * and fails its environment bootstrap (src/server/identity/server/api_server.go: EnvBootstrap).
 */
export const IDP_CONNECTOR_FIELDS = ["id", "name", "type", "configVersion", "jsonConfig", "config"] as const;

/** Fields of auth_v2.OIDCConfig (src/auth/auth.proto), the AUTH_CONFIG pachd reads (src/server/auth/server/api_server.go). */
export const OIDC_CONFIG_FIELDS = [
    "issuer",
    "client_id",
    "client_secret",
    "redirect_uri",
    "scopes",
    "require_email_verified",
    "localhost_issuer",
    "user_accessible_issuer_host",
] as const;

/**
 * pachd replaces only the scheme and host of the authorization URL with user_accessible_issuer_host
 * (src/server/auth/server/oidc.go: GetOIDCLoginURL), so it must be a full URL (scheme://host:port).
 */
export const USER_ACCESSIBLE_ISSUER_HOST_FORMAT = /^https?:\/\/[^/]+$/;

/** The pachctl image (Dockerfile.pachctl; pushed as docker.io/pachyderm/pachctl by oci/BUILD.bazel): pachctl at /usr/local/bin, uid 65532 "nonroot" in /etc/passwd. */
export const PACHCTL_BINARY = "/usr/local/bin/pachctl";
