import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, emptyDir, labels, podSecurityContext, resources, selector } from "./common";
import { IMAGES, K8S_NAMES, POSTGRES_CLAIM_TEMPLATE, POSTGRES_PORT, postgresClaimName } from "./names";
import { BuildContext } from "./types";

/** uid/gid of the `postgres` user in the official image. */
const POSTGRES_UID = 999;
/** uid of the bitnami-based pgbouncer image (the chart's choice). */
const PGBOUNCER_UID = 1000;
export const PACHYDERM_DATABASE = "pachyderm";
/** Dex's database: the name is fixed by Pachyderm. */
export const DEX_DATABASE = "dex";

const passwordRef = { secretKeyRef: { name: K8S_NAMES.postgresSecret, key: "postgresql-password" } };

/** In-cluster PostgreSQL (StatefulSet on the metadata store) and pg-bouncer in front of it. */
export function createInClusterPostgres(ctx: BuildContext, dependsOn: pulumi.Resource[]): pulumi.Resource[] {
    const { name, parent, args, namespace } = ctx;
    const app = K8S_NAMES.postgres;
    const sizeGi = args.metadata.postgresSizeGi ?? 256;

    const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-postgres-pvc`, {
        metadata: { name: postgresClaimName(), namespace, labels: labels(app) },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "",
            volumeName: args.metadata.postgresVolumeName!,
            resources: { requests: { storage: `${sizeGi}Gi` } },
        },
    }, { parent, dependsOn: args.metadata.dependsOn });

    // The entrypoint runs these once on an empty data directory: Pachyderm needs a second database for Dex.
    const init = new k8s.core.v1.ConfigMap(`${name}-postgres-init`, {
        metadata: { name: K8S_NAMES.postgresInitConfig, namespace, labels: labels(app) },
        data: { "10-dex.sql": `CREATE DATABASE ${DEX_DATABASE};\n` },
    }, { parent });

    const headless = new k8s.core.v1.Service(`${name}-postgres-headless`, {
        metadata: { name: K8S_NAMES.postgresHeadless, namespace, labels: labels(app) },
        spec: { clusterIP: "None", selector: selector(app), ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: POSTGRES_PORT }] },
    }, { parent });
    const service = new k8s.core.v1.Service(`${name}-postgres`, {
        metadata: { name: K8S_NAMES.postgres, namespace, labels: labels(app) },
        spec: { type: "ClusterIP", selector: selector(app), ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: POSTGRES_PORT }] },
    }, { parent });

    const ready: k8s.types.input.core.v1.Probe = {
        exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", args.postgres.user, "-d", PACHYDERM_DATABASE] },
        periodSeconds: 10,
        timeoutSeconds: 5,
    };
    const statefulSet = new k8s.apps.v1.StatefulSet(`${name}-postgres`, {
        metadata: { name: K8S_NAMES.postgres, namespace, labels: labels(app) },
        spec: {
            replicas: 1,
            serviceName: K8S_NAMES.postgresHeadless,
            selector: { matchLabels: selector(app) },
            template: {
                metadata: { labels: labels(app) },
                spec: {
                    serviceAccountName: K8S_NAMES.postgresServiceAccount,
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(POSTGRES_UID),
                    terminationGracePeriodSeconds: 120,
                    containers: [{
                        name: "postgres",
                        image: IMAGES.postgres,
                        env: [
                            { name: "POSTGRES_USER", value: args.postgres.user },
                            { name: "POSTGRES_PASSWORD", valueFrom: passwordRef },
                            { name: "POSTGRES_DB", value: PACHYDERM_DATABASE },
                            // A subdirectory: initdb refuses a non-empty mount root (lost+found on ext4).
                            { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                        ],
                        ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                        readinessProbe: ready,
                        livenessProbe: { ...ready, initialDelaySeconds: 30, failureThreshold: 6 },
                        startupProbe: { ...ready, failureThreshold: 60 },
                        resources: resources({ cpuRequest: "500m", memoryRequest: "1Gi", memoryLimit: "2Gi" }),
                        securityContext: { ...containerSecurityContext(), runAsUser: POSTGRES_UID, runAsGroup: POSTGRES_UID },
                        volumeMounts: [
                            { name: POSTGRES_CLAIM_TEMPLATE, mountPath: "/var/lib/postgresql/data" },
                            { name: "run", mountPath: "/var/run/postgresql" },
                            { name: "tmp", mountPath: "/tmp" },
                            { name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
                        ],
                    }],
                    volumes: [
                        emptyDir("run"),
                        emptyDir("tmp"),
                        { name: "init", configMap: { name: K8S_NAMES.postgresInitConfig } },
                    ],
                },
            },
            volumeClaimTemplates: [{
                metadata: { name: POSTGRES_CLAIM_TEMPLATE, labels: labels(app) },
                spec: { accessModes: ["ReadWriteOnce"], storageClassName: "", resources: { requests: { storage: `${sizeGi}Gi` } } },
            }],
        },
    }, { parent, dependsOn: [claim, init, headless, ...dependsOn] });

    // pg-bouncer, as the chart renders it (pachd reaches Postgres through it, transaction pooling).
    const bApp = K8S_NAMES.pgBouncer;
    const bouncerService = new k8s.core.v1.Service(`${name}-pg-bouncer`, {
        metadata: { name: K8S_NAMES.pgBouncer, namespace, labels: labels(bApp) },
        spec: { type: "ClusterIP", selector: selector(bApp), ports: [{ name: "client-port", port: POSTGRES_PORT, targetPort: POSTGRES_PORT }] },
    }, { parent });
    const bouncer = new k8s.apps.v1.Deployment(`${name}-pg-bouncer`, {
        metadata: { name: K8S_NAMES.pgBouncer, namespace, labels: labels(bApp) },
        spec: {
            replicas: 1,
            selector: { matchLabels: selector(bApp) },
            template: {
                metadata: { labels: labels(bApp) },
                spec: {
                    serviceAccountName: K8S_NAMES.pgBouncerServiceAccount,
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(PGBOUNCER_UID),
                    containers: [{
                        name: "pg-bouncer",
                        image: IMAGES.pgBouncer,
                        env: [
                            { name: "POSTGRESQL_USERNAME", value: args.postgres.user },
                            { name: "POSTGRESQL_DATABASE", value: PACHYDERM_DATABASE },
                            { name: "PGBOUNCER_SET_USER", value: "True" },
                            { name: "POSTGRESQL_HOST", value: pulumi.interpolate`${K8S_NAMES.postgres}.${namespace}.svc.cluster.local` },
                            { name: "PGBOUNCER_PORT", value: String(POSTGRES_PORT) },
                            { name: "POSTGRESQL_PORT", value: String(POSTGRES_PORT) },
                            { name: "PGBOUNCER_DATABASE", value: "*" },
                            { name: "PGBOUNCER_MAX_CLIENT_CONN", value: "10000" },
                            { name: "PGBOUNCER_DEFAULT_POOL_SIZE", value: "80" },
                            { name: "PGBOUNCER_POOL_MODE", value: "transaction" },
                            { name: "PGBOUNCER_IDLE_TRANSACTION_TIMEOUT", value: "300" },
                            { name: "PGBOUNCER_IGNORE_STARTUP_PARAMETERS", value: "extra_float_digits" },
                            { name: "PGBOUNCER_SERVER_TLS_SSLMODE", value: "disable" },
                            { name: "PGBOUNCER_UNIX_SOCKET_DIR", value: " " },
                            { name: "POSTGRESQL_PASSWORD", valueFrom: passwordRef },
                        ],
                        ports: [{ name: "client-port", containerPort: POSTGRES_PORT }],
                        readinessProbe: { tcpSocket: { port: POSTGRES_PORT }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
                        livenessProbe: {
                            exec: { command: ["/bin/sh", "-c", "PGPASSWORD=$POSTGRESQL_PASSWORD psql -U $POSTGRESQL_USERNAME -h 127.0.0.1 -p $PGBOUNCER_PORT -d $POSTGRESQL_DATABASE --tuples-only --command='SELECT 1;' | grep -q 1"] },
                            periodSeconds: 30,
                            timeoutSeconds: 5,
                            failureThreshold: 5,
                        },
                        resources: resources({ cpuRequest: "100m", memoryRequest: "128Mi", memoryLimit: "256Mi" }),
                        securityContext: containerSecurityContext(),
                        volumeMounts: [
                            { name: "config", mountPath: "/opt/bitnami/pgbouncer/conf/" },
                            { name: "pgtmp", mountPath: "/opt/bitnami/pgbouncer/tmp/" },
                            { name: "logs", mountPath: "/opt/bitnami/pgbouncer/logs/" },
                            { name: "tmp", mountPath: "/tmp" },
                        ],
                    }],
                    volumes: [emptyDir("config"), emptyDir("pgtmp"), emptyDir("logs"), emptyDir("tmp")],
                },
            },
        },
    }, { parent, dependsOn: [service] });
    return [claim, init, headless, service, statefulSet, bouncerService, bouncer];
}
