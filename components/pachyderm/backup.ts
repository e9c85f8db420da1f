import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AZURE_CLI_IMAGE, ETCD_IMAGE } from "../../lib/facts/pachyderm";
import { containerSecurityContext, emptyDir, labels, podSecurityContext, resources } from "./common";
import { NONROOT_UID } from "./etcd";
import { ETCD_CLIENT_PORT, ETCD_SNAPSHOT_PREFIX, IMAGES, K8S_NAMES } from "./names";
import { WORKLOAD_IDENTITY_LABEL } from "./pachd";
import { BuildContext } from "./types";

/** The emptyDir the snapshot goes through, and the file in it. */
const SNAPSHOT_DIR = "/snapshot";
const SNAPSHOT_FILE = `${SNAPSHOT_DIR}/etcd.db`;
const small = resources({ cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi" });

/**
 * The snapshot step. `pachyderm/etcd` is distroless (lib/facts/pachyderm.ts ETCD_IMAGE): no shell, no
 * `date`, so etcdctl runs in exec form and takes the endpoint from ETCDCTL_ENDPOINTS; the uploader names
 * the blob. Pure: tests/integration/etcd-backup.test.ts runs this very container against a real etcd.
 */
export function etcdSnapshotContainer(): k8s.types.input.core.v1.Container {
    return {
        name: "snapshot",
        image: IMAGES.etcd,
        command: [ETCD_IMAGE.etcdctl, "snapshot", "save", SNAPSHOT_FILE],
        env: [{ name: ETCD_IMAGE.endpointsEnv, value: `http://${K8S_NAMES.etcd}:${ETCD_CLIENT_PORT}` }],
        resources: small,
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: "snapshot", mountPath: SNAPSHOT_DIR }],
    };
}

/** etcd snapshot CronJob: etcdctl writes the snapshot to an emptyDir, the Azure CLI uploads it to the data container. */
export function createEtcdBackup(ctx: BuildContext, dependsOn: pulumi.Resource[]): k8s.batch.v1.CronJob {
    const { name, parent, args, namespace } = ctx;
    const keyless = args.storage.authMode === "workloadIdentity";
    const app = K8S_NAMES.etcdBackup;
    const login = keyless
        ? 'az login --service-principal -u "$AZURE_CLIENT_ID" -t "$AZURE_TENANT_ID" --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none && '
        : "";
    // AZURE_STORAGE_ACCOUNT (and AZURE_STORAGE_KEY in shared-key mode) come from the storage secret; az reads them itself.
    // The upload time names the blob (the snapshot step has no `date`).
    const upload = pulumi.interpolate`set -euo pipefail; ${login}az storage blob upload --auth-mode ${keyless ? "login" : "key"} --blob-endpoint "$BLOB_ENDPOINT" --container-name ${args.storage.containerName} --name "${ETCD_SNAPSHOT_PREFIX}etcd-$(date -u +%Y%m%dT%H%M%SZ).db" --file ${SNAPSHOT_FILE} --overwrite false --output none`;

    return new k8s.batch.v1.CronJob(
        `${name}-etcd-backup`,
        {
            metadata: { name: app, namespace, labels: labels(app) },
            spec: {
                schedule: args.etcd.backupSchedule,
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: 600,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    metadata: { labels: labels(app) },
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 3600,
                        ttlSecondsAfterFinished: 86400,
                        template: {
                            metadata: { labels: labels(app, keyless ? { [WORKLOAD_IDENTITY_LABEL]: "true" } : {}) },
                            spec: {
                                restartPolicy: "Never",
                                serviceAccountName: K8S_NAMES.backupServiceAccount,
                                // The workload identity webhook projects its own token; no API token needed.
                                automountServiceAccountToken: false,
                                securityContext: podSecurityContext(NONROOT_UID),
                                initContainers: [etcdSnapshotContainer()],
                                containers: [
                                    {
                                        name: "upload",
                                        image: IMAGES.azureCli,
                                        // The image's own command is bash (AZURE_CLI_IMAGE): the login and the upload are two az calls.
                                        command: [AZURE_CLI_IMAGE.shell, "-c", upload],
                                        env: [
                                            { name: "BLOB_ENDPOINT", value: args.storage.blobEndpoint },
                                            // az writes its profile and token cache; the root filesystem is read-only.
                                            { name: "AZURE_CONFIG_DIR", value: "/tmp/.azure" },
                                            { name: "HOME", value: "/tmp" },
                                        ],
                                        envFrom: [{ secretRef: { name: K8S_NAMES.storageSecret } }],
                                        resources: small,
                                        securityContext: containerSecurityContext(),
                                        volumeMounts: [
                                            { name: "snapshot", mountPath: SNAPSHOT_DIR, readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                    },
                                ],
                                volumes: [emptyDir("snapshot", "10Gi"), emptyDir("tmp")],
                            },
                        },
                    },
                },
            },
        },
        { parent, dependsOn },
    );
}
