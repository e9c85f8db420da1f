import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appService, containerSecurityContext, emptyDir, labels, podSecurityContext, resources, selector } from "./common";
import { IMAGES, K8S_NAMES, POSTGRES_CLAIM_TEMPLATE, POSTGRES_PORT, postgresClaimName } from "./names";
import { BuildContext } from "./types";

/** uid/gid of the `postgres` user in the official image. */
const POSTGRES_UID = 999;
export const PACHYDERM_DATABASE = "pachyderm";
/** Dex's database: the name is fixed by Pachyderm. */
export const DEX_DATABASE = "dex";

const passwordRef = { secretKeyRef: { name: K8S_NAMES.postgresSecret, key: "postgresql-password" } };

/** In-cluster PostgreSQL (a StatefulSet on a volume of components/pachydermVolumes.ts; the other `postgres.kind` is components/postgresFlexibleServer.ts); pg-bouncer in front of it comes from pgbouncer.ts. */
export function createInClusterPostgres(ctx: BuildContext, dependsOn: pulumi.Resource[]): pulumi.Resource[] {
    const { name, parent, args, namespace } = ctx;
    const app = K8S_NAMES.postgres;
    const sizeGi = args.volumes.postgresSizeGi ?? 256;

    const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-postgres-pvc`,
        {
            metadata: { name: postgresClaimName(), namespace, labels: labels(app) },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "",
                volumeName: args.volumes.postgresVolumeName!,
                resources: { requests: { storage: `${sizeGi}Gi` } },
            },
        },
        { parent, dependsOn: args.volumes.dependsOn },
    );

    // The entrypoint runs these once on an empty data directory: Pachyderm needs a second database for Dex.
    const init = new k8s.core.v1.ConfigMap(
        `${name}-postgres-init`,
        {
            metadata: { name: K8S_NAMES.postgresInitConfig, namespace, labels: labels(app) },
            data: { "10-dex.sql": `CREATE DATABASE ${DEX_DATABASE};\n` },
        },
        { parent },
    );

    const ports = [{ name: "postgres", port: POSTGRES_PORT, targetPort: POSTGRES_PORT }];
    const headless = appService(ctx, `${name}-postgres-headless`, K8S_NAMES.postgresHeadless, app, { clusterIP: "None", ports });
    const service = appService(ctx, `${name}-postgres`, K8S_NAMES.postgres, app, { type: "ClusterIP", ports });

    const statefulSet = new k8s.apps.v1.StatefulSet(
        `${name}-postgres`,
        {
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
                        containers: [postgresContainer(args.postgres.user)],
                        volumes: [emptyDir("run"), emptyDir("tmp"), { name: "init", configMap: { name: K8S_NAMES.postgresInitConfig } }],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: POSTGRES_CLAIM_TEMPLATE, labels: labels(app) },
                        spec: { accessModes: ["ReadWriteOnce"], storageClassName: "", resources: { requests: { storage: `${sizeGi}Gi` } } },
                    },
                ],
            },
        },
        { parent, dependsOn: [claim, init, headless, ...dependsOn] },
    );

    return [claim, init, headless, service, statefulSet];
}

/** PostgreSQL 16 with its data in a subdirectory of the claim and Dex's database created on first start. */
function postgresContainer(user: string): k8s.types.input.core.v1.Container {
    const ready: k8s.types.input.core.v1.Probe = {
        exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", user, "-d", PACHYDERM_DATABASE] },
        periodSeconds: 10,
        timeoutSeconds: 5,
    };
    return {
        name: "postgres",
        image: IMAGES.postgres,
        env: [
            { name: "POSTGRES_USER", value: user },
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
    };
}
