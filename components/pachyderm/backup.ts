import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, emptyDir, labels, podSecurityContext, resources } from "./common";
import { NONROOT_UID } from "./etcd";
import { ETCD_CLIENT_PORT, ETCD_SNAPSHOT_PREFIX, IMAGES, K8S_NAMES } from "./names";
import { WORKLOAD_IDENTITY_LABEL } from "./pachd";
import { BuildContext } from "./types";

/** etcd snapshot CronJob: etcdctl writes the snapshot to an emptyDir, the Azure CLI uploads it to the data container. */
export function createEtcdBackup(ctx: BuildContext, dependsOn: pulumi.Resource[]): k8s.batch.v1.CronJob {
    const { name, parent, args, namespace } = ctx;
    const keyless = args.storage.authMode === "workloadIdentity";
    const app = K8S_NAMES.etcdBackup;
    const login = keyless
        ? 'az login --service-principal -u "$AZURE_CLIENT_ID" -t "$AZURE_TENANT_ID" --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none && '
        : "";
    // AZURE_STORAGE_ACCOUNT (and AZURE_STORAGE_KEY in shared-key mode) come from the storage secret; az reads them itself.
    const upload = pulumi.interpolate`set -eu; ${login}az storage blob upload --auth-mode ${keyless ? "login" : "key"} --blob-endpoint "$BLOB_ENDPOINT" --container-name ${args.storage.containerName} --name "${ETCD_SNAPSHOT_PREFIX}etcd-$(cat /snapshot/stamp).db" --file /snapshot/etcd.db --overwrite false --output none`;
    const small = resources({ cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi" });

    return new k8s.batch.v1.CronJob(`${name}-etcd-backup`, {
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
                            initContainers: [{
                                name: "snapshot",
                                image: IMAGES.etcd,
                                command: ["/bin/sh", "-c", `set -eu; date -u +%Y%m%dT%H%M%SZ > /snapshot/stamp; etcdctl --endpoints=http://${K8S_NAMES.etcd}:${ETCD_CLIENT_PORT} snapshot save /snapshot/etcd.db`],
                                env: [{ name: "ETCDCTL_API", value: "3" }],
                                resources: small,
                                securityContext: containerSecurityContext(),
                                volumeMounts: [{ name: "snapshot", mountPath: "/snapshot" }],
                            }],
                            containers: [{
                                name: "upload",
                                image: IMAGES.azureCli,
                                command: ["/bin/sh", "-c", upload],
                                env: [
                                    { name: "BLOB_ENDPOINT", value: args.storage.blobEndpoint },
                                    // az writes its profile and token cache; the root filesystem is read-only.
                                    { name: "AZURE_CONFIG_DIR", value: "/tmp/.azure" },
                                    { name: "HOME", value: "/tmp" },
                                ],
                                envFrom: [{ secretRef: { name: K8S_NAMES.storageSecret } }],
                                resources: small,
                                securityContext: containerSecurityContext(),
                                volumeMounts: [{ name: "snapshot", mountPath: "/snapshot", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
                            }],
                            volumes: [emptyDir("snapshot", "10Gi"), emptyDir("tmp")],
                        },
                    },
                },
            },
        },
    }, { parent, dependsOn });
}
