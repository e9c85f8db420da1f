import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterDefaults, PACHCTL_BINARY } from "../../lib/facts/pachyderm";
import { containerSecurityContext, emptyDir, labels, podSecurityContext, resources } from "./common";
import { NONROOT_UID } from "./etcd";
import { IMAGES, K8S_NAMES, PACHD_PORTS } from "./names";
import { WORKLOAD_IDENTITY_LABEL } from "./pachd";
import { BuildContext, PachydermArgs } from "./types";

/** File names inside the ConfigMap and Secret the Job mounts. */
export const CLUSTER_DEFAULTS_FILE = "cluster-defaults.json";
const PACHCTL_CONFIG_FILE = "config.json";

/**
 * Labels every pipeline's worker pods must carry. Workload identity: the AKS webhook injects the token and
 * AZURE_* variables only into pods labelled `azure.workload.identity/use: "true"`
 * (https://learn.microsoft.com/azure/aks/workload-identity-overview#pod-labels), and pachd 2.12 never adds
 * it to worker pods; pipeline metadata.labels do reach them (src/server/pps/server/worker_rc.go at 2.12.x).
 */
export function workerPodDefaultLabels(authMode: "workloadIdentity" | "sharedKey"): Record<string, string> {
    return authMode === "workloadIdentity" ? { [WORKLOAD_IDENTITY_LABEL]: "true" } : {};
}

/** Whether worker pods need cluster defaults at all: the workload-identity label, or tolerations. */
export function needsClusterDefaults(args: Pick<PachydermArgs, "storage" | "workerTolerations">): boolean {
    return Object.keys(workerPodDefaultLabels(args.storage.authMode)).length > 0 || args.workerTolerations.length > 0;
}

/**
 * A Job that sets Pachyderm's cluster defaults once pachd is ready, so that every pipeline (and, with
 * --regenerate, every existing one) labels its worker pods for workload identity (keyless mode) and
 * tolerates the worker taints (the Spot pool: without the toleration no pod ever lands there). Cluster
 * defaults can only be set through pachd's API (lib/facts/pachyderm.ts: clusterDefaults), hence pachctl
 * with the root token. Pulumi waits for the Job to complete (@pulumi/kubernetes batch/v1 Job await).
 */
export function createClusterDefaults(
    ctx: BuildContext,
    rootToken: pulumi.Output<string>,
    dependsOn: pulumi.Input<pulumi.Resource>[],
): pulumi.Resource[] {
    const { name, parent, args, namespace } = ctx;
    const app = K8S_NAMES.clusterDefaults;
    const defaultsJson = JSON.stringify(clusterDefaults(workerPodDefaultLabels(args.storage.authMode), args.workerTolerations));

    const account = new k8s.core.v1.ServiceAccount(
        `${name}-cluster-defaults-sa`,
        {
            metadata: { name: K8S_NAMES.clusterDefaultsServiceAccount, namespace, labels: labels(app) },
            automountServiceAccountToken: false,
        },
        { parent },
    );
    const defaults = new k8s.core.v1.ConfigMap(
        `${name}-cluster-defaults`,
        {
            metadata: { name: K8S_NAMES.clusterDefaults, namespace, labels: labels(app) },
            data: { [CLUSTER_DEFAULTS_FILE]: defaultsJson },
        },
        { parent },
    );
    const config = new k8s.core.v1.Secret(
        `${name}-cluster-defaults-pachctl`,
        {
            metadata: { name: K8S_NAMES.clusterDefaultsPachctlSecret, namespace, labels: labels(app) },
            type: "Opaque",
            stringData: { [PACHCTL_CONFIG_FILE]: pachctlConfig(args.namespace, rootToken) },
        },
        { parent },
    );

    const job = new k8s.batch.v1.Job(
        `${name}-cluster-defaults-job`,
        {
            metadata: { name: app, namespace, labels: labels(app) },
            spec: {
                backoffLimit: 6,
                template: {
                    // A change of the defaults changes the template, and Pulumi replaces the Job: it runs again.
                    metadata: { labels: labels(app), annotations: { "pachyderm-azure/cluster-defaults": defaultsJson } },
                    spec: {
                        restartPolicy: "Never",
                        serviceAccountName: K8S_NAMES.clusterDefaultsServiceAccount,
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(NONROOT_UID),
                        // pachctl rewrites its config (it records the cluster deployment id): a writable copy in /tmp.
                        ...pachctlContainers(args.version),
                        volumes: [
                            { name: "defaults", configMap: { name: K8S_NAMES.clusterDefaults } },
                            { name: "pachctl-config", secret: { secretName: K8S_NAMES.clusterDefaultsPachctlSecret } },
                            emptyDir("tmp"),
                        ],
                    },
                },
            },
        },
        { parent, dependsOn: [account, defaults, config, ...dependsOn], deleteBeforeReplace: true },
    );
    return [account, defaults, config, job];
}

/** pachctl's config (src/internal/config/config.proto): the in-cluster address and the root token; metrics off. */
function pachctlConfig(namespace: string, rootToken: pulumi.Output<string>): pulumi.Output<string> {
    return pulumi.secret(
        rootToken.apply((token) =>
            JSON.stringify({
                user_id: "pachyderm-azure-cluster-defaults",
                v2: {
                    active_context: "pachyderm",
                    contexts: {
                        pachyderm: {
                            pachd_address: `grpc://${K8S_NAMES.pachd}.${namespace}.svc.cluster.local:${PACHD_PORTS.grpc.service}`,
                            session_token: token,
                        },
                    },
                    metrics: false,
                },
            }),
        ),
    );
}

/** The Job's containers: a writable copy of pachctl's config, then `pachctl update defaults`. */
function pachctlContainers(version: string): Pick<k8s.types.input.core.v1.PodSpec, "initContainers" | "containers"> {
    const small = resources({ cpuRequest: "50m", memoryRequest: "64Mi", memoryLimit: "256Mi" });
    return {
        initContainers: [
            {
                name: "config",
                image: IMAGES.pachctl(version),
                command: ["/bin/cp", `/pachctl-config/${PACHCTL_CONFIG_FILE}`, `/tmp/${PACHCTL_CONFIG_FILE}`],
                resources: small,
                securityContext: containerSecurityContext(),
                volumeMounts: [
                    { name: "pachctl-config", mountPath: "/pachctl-config", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                ],
            },
        ],
        containers: [
            {
                name: "pachctl",
                image: IMAGES.pachctl(version),
                // src/server/pps/cmds/cmds.go at 2.12.x: update defaults --cluster --regenerate --file
                command: [
                    PACHCTL_BINARY,
                    "update",
                    "defaults",
                    "--cluster",
                    "--regenerate",
                    "--file",
                    `/defaults/${CLUSTER_DEFAULTS_FILE}`,
                ],
                env: [
                    { name: "PACH_CONFIG", value: `/tmp/${PACHCTL_CONFIG_FILE}` },
                    { name: "HOME", value: "/tmp" },
                ],
                resources: small,
                securityContext: containerSecurityContext(),
                volumeMounts: [
                    { name: "defaults", mountPath: "/defaults", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                ],
            },
        ],
    };
}
