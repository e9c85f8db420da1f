import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PGBOUNCER_IMAGE } from "../../lib/facts/pachyderm";
import {
    antiAffinity,
    appService,
    containerSecurityContext,
    disruptionBudget,
    emptyDir,
    labels,
    podSecurityContext,
    resources,
    selector,
    topologySpread,
} from "./common";
import { IMAGES, K8S_NAMES, POSTGRES_PORT } from "./names";
import { BuildContext } from "./types";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The chart's pg-bouncer pod runs as uid/gid 1000 (etc/helm/pachyderm/templates/pgbouncer/deployment.yaml at 2.12.x). */
const PGBOUNCER_UID = 1000;
/** Database pachd's liveness probe logs in to (the entrypoint maps every database name `*` upstream). */
const PROBE_DATABASE = "pachyderm";

/**
 * Client authentication of the bouncer. The image's entrypoint defaults to md5 and then writes
 * `md5(password+user)` to the userlist; pgbouncer cannot answer a SCRAM challenge with that hash, and
 * PostgreSQL 14+ (postgres:16 here, Flexible Server 16) stores SCRAM verifiers, so every login failed.
 * With scram-sha-256 the entrypoint writes the plain password, which answers both SCRAM and md5 servers
 * (pgbouncer.ini(5), auth_type and auth_file; lib/facts/pachyderm.ts PGBOUNCER_IMAGE).
 */
export const PGBOUNCER_AUTH_TYPE = "scram-sha-256";

export interface PgBouncerSettings {
    /** PostgreSQL login (also the pool's upstream user). */
    user: string;
    /** Upstream server: the in-cluster Service's FQDN or the Flexible Server FQDN. */
    upstreamHost: pulumi.Input<string>;
    /**
     * libpq sslmode of the bouncer's upstream connections. pachd's pooled connection and Dex always reach
     * the bouncer in plaintext (lib/facts/pachyderm.ts PACHD_POSTGRES), so a server that requires TLS is
     * only reachable through a bouncer that speaks TLS upstream.
     */
    upstreamSslMode: "disable" | "require";
    /** Secret holding the password (key `postgresql-password`). */
    passwordSecret: string;
}

/**
 * The pg-bouncer container's environment: exactly the variables the image's entrypoint reads
 * (etc/pgbouncer/entrypoint.sh at 2.12.x), nothing the chart sets for other images (PGBOUNCER_SET_USER,
 * PGBOUNCER_DATABASE, PGBOUNCER_UNIX_SOCKET_DIR, PGBOUNCER_PORT are Bitnami's names, ignored here).
 * Pure: the integration test feeds this same list to the real entrypoint, pgbouncer and PostgreSQL.
 */
export function pgBouncerEnv(s: PgBouncerSettings): EnvVar[] {
    return [
        { name: "POSTGRESQL_USERNAME", value: s.user },
        { name: "POSTGRESQL_PASSWORD", valueFrom: { secretKeyRef: { name: s.passwordSecret, key: "postgresql-password" } } },
        { name: "POSTGRESQL_HOST", value: s.upstreamHost },
        { name: "POSTGRESQL_PORT", value: String(POSTGRES_PORT) },
        { name: PGBOUNCER_IMAGE.authTypeEnv, value: PGBOUNCER_AUTH_TYPE },
        { name: "PGBOUNCER_MAX_CLIENT_CONN", value: "10000" },
        { name: "PGBOUNCER_DEFAULT_POOL_SIZE", value: "80" },
        // As the chart: transaction pooling, Go's pgx sends extra_float_digits at startup.
        { name: "PGBOUNCER_POOL_MODE", value: "transaction" },
        { name: "PGBOUNCER_IDLE_TRANSACTION_TIMEOUT", value: "300" },
        { name: "PGBOUNCER_IGNORE_STARTUP_PARAMETERS", value: "extra_float_digits" },
        { name: PGBOUNCER_IMAGE.serverTlsSslmodeEnv, value: s.upstreamSslMode },
    ];
}

/**
 * pg-bouncer in front of PostgreSQL on every stack, as the chart always runs it: pachd's pooled
 * connection and Dex go through it in plaintext, it carries TLS upstream when the server requires it.
 */
export function createPgBouncer(ctx: BuildContext, upstreamHost: pulumi.Input<string>, dependsOn: pulumi.Resource[]): pulumi.Resource[] {
    const { name, parent, args, namespace } = ctx;
    const app = K8S_NAMES.pgBouncer;
    const port = PGBOUNCER_IMAGE.listenPort;
    const service = appService(ctx, `${name}-pg-bouncer`, K8S_NAMES.pgBouncer, app, {
        type: "ClusterIP",
        ports: [{ name: "client-port", port: POSTGRES_PORT, targetPort: port }],
    });
    const env = pgBouncerEnv({
        user: args.postgres.user,
        upstreamHost,
        upstreamSslMode: args.postgres.kind === "azureFlexible" ? "require" : "disable",
        passwordSecret: K8S_NAMES.postgresSecret,
    });
    // Every pooled query of pachd and every Dex call goes through it: production keeps two, on two nodes and zones
    // (stateless: each replica pools on its own; LISTEN/NOTIFY uses pachd's direct connection).
    const replicas = args.environmentKind === "prod" ? 2 : 1;
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-pg-bouncer`,
        {
            metadata: { name: K8S_NAMES.pgBouncer, namespace, labels: labels(app) },
            spec: {
                replicas,
                selector: { matchLabels: selector(app) },
                template: {
                    metadata: { labels: labels(app) },
                    spec: {
                        serviceAccountName: K8S_NAMES.pgBouncerServiceAccount,
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(PGBOUNCER_UID),
                        affinity: antiAffinity(app, replicas),
                        topologySpreadConstraints: topologySpread(app, args.zones, false),
                        containers: [
                            {
                                name: "pg-bouncer",
                                image: IMAGES.pgBouncer,
                                // The image's own entrypoint and command: they write the config from `env`.
                                env,
                                ports: [{ name: "client-port", containerPort: port }],
                                readinessProbe: { tcpSocket: { port }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
                                // A real login through the bouncer (the image has sh, psql and grep): catches auth and upstream failures.
                                livenessProbe: {
                                    exec: {
                                        command: [
                                            "/bin/sh",
                                            "-c",
                                            `PGPASSWORD=$POSTGRESQL_PASSWORD psql -U $POSTGRESQL_USERNAME -h 127.0.0.1 -p ${port} -d ${PROBE_DATABASE} --tuples-only --command='SELECT 1;' | grep -q 1`,
                                        ],
                                    },
                                    periodSeconds: 30,
                                    timeoutSeconds: 5,
                                    failureThreshold: 5,
                                },
                                resources: resources({ cpuRequest: "100m", memoryRequest: "128Mi", memoryLimit: "256Mi" }),
                                securityContext: containerSecurityContext(),
                                // The entrypoint writes pgbouncer.ini and userlist.txt to /tmp; pgbouncer's socket also goes there.
                                volumeMounts: [{ name: "tmp", mountPath: PGBOUNCER_IMAGE.configDir }],
                            },
                        ],
                        volumes: [emptyDir("tmp")],
                    },
                },
            },
        },
        { parent, dependsOn },
    );
    return [service, deployment, ...disruptionBudget(ctx, `${name}-pg-bouncer-pdb`, app, replicas, { maxUnavailable: 1 })];
}
