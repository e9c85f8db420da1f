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
