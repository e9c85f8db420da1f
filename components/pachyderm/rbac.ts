import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./common";
import { K8S_NAMES } from "./names";
import { BuildContext } from "./types";

export interface Rbac {
    serviceAccount: k8s.core.v1.ServiceAccount;
    workerServiceAccount: k8s.core.v1.ServiceAccount;
    backupServiceAccount: k8s.core.v1.ServiceAccount;
    resources: pulumi.Resource[];
}

/** ServiceAccounts and the chart's namespaced Roles (no ClusterRole). */
export function createRbac(ctx: BuildContext): Rbac {
    const { name, parent, args, namespace } = ctx;
    const opts = { parent };
    const keyless = args.storage.authMode === "workloadIdentity";
    // The webhook exchanges the SA token for an Entra token for this identity.
    const wiAnnotations: Record<string, pulumi.Input<string>> | undefined = keyless
        ? { "azure.workload.identity/client-id": args.storage.identityClientId! }
        : undefined;

    // Token automount stays off on the accounts; the pods that call the API (pachd) opt in.
    const sa = (suffix: string, saName: string, app: string) =>
        new k8s.core.v1.ServiceAccount(
            `${name}-${suffix}`,
            {
                metadata: { name: saName, namespace, labels: labels(app), annotations: wiAnnotations },
                automountServiceAccountToken: false,
            },
            opts,
        );

    const serviceAccount = sa("sa", K8S_NAMES.serviceAccount, "pachd");
    const workerServiceAccount = sa("worker-sa", K8S_NAMES.workerServiceAccount, "pachyderm-worker");
    const backupServiceAccount = sa("backup-sa", K8S_NAMES.backupServiceAccount, K8S_NAMES.etcdBackup);

    // Identity-free accounts for the stores: no pod borrows another's permissions (rule 36).
    const plain = (suffix: string, saName: string, app: string) =>
        new k8s.core.v1.ServiceAccount(
            `${name}-${suffix}`,
            {
                metadata: { name: saName, namespace, labels: labels(app) },
                automountServiceAccountToken: false,
            },
            opts,
        );
    const infra = [
        plain("etcd-sa", K8S_NAMES.etcdServiceAccount, K8S_NAMES.etcd),
        // pg-bouncer runs on every stack (components/pachyderm/pgbouncer.ts).
        plain("pg-bouncer-sa", K8S_NAMES.pgBouncerServiceAccount, K8S_NAMES.pgBouncer),
        ...(args.postgres.kind === "inCluster" ? [plain("postgres-sa", K8S_NAMES.postgresServiceAccount, K8S_NAMES.postgres)] : []),
        ...(args.console ? [plain("console-sa", K8S_NAMES.consoleServiceAccount, K8S_NAMES.console)] : []),
    ];

    const read = ["get", "list", "watch"];
    const role = new k8s.rbac.v1.Role(
        `${name}-role`,
        {
            metadata: { name: K8S_NAMES.serviceAccount, namespace, labels: labels("pachd") },
            rules: [
                { apiGroups: [""], resources: ["pods", "pods/log", "endpoints", "events"], verbs: read },
                {
                    apiGroups: [""],
                    resources: ["replicationcontrollers", "replicationcontrollers/scale", "services"],
                    verbs: [...read, "create", "update", "delete"],
                },
                { apiGroups: [""], resources: ["secrets"], verbs: [...read, "create", "update", "delete", "deletecollection"] },
                { apiGroups: ["apps"], resources: ["deployments", "deployments/scale"], verbs: ["get", "list", "patch", "update"] },
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "update", "create"] },
            ],
        },
        opts,
    );
    const binding = new k8s.rbac.v1.RoleBinding(
        `${name}-rolebinding`,
        {
            metadata: { name: K8S_NAMES.serviceAccount, namespace, labels: labels("pachd") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
        },
        opts,
    );

    const workerRole = new k8s.rbac.v1.Role(
        `${name}-worker-role`,
        {
            metadata: { name: K8S_NAMES.workerServiceAccount, namespace, labels: labels("pachyderm-worker") },
            rules: [{ apiGroups: [""], resources: ["services", "pods"], verbs: ["get", "list", "update", "create", "delete"] }],
        },
        opts,
    );
    const workerBinding = new k8s.rbac.v1.RoleBinding(
        `${name}-worker-rolebinding`,
        {
            metadata: { name: K8S_NAMES.workerServiceAccount, namespace, labels: labels("pachyderm-worker") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: workerRole.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: workerServiceAccount.metadata.name, namespace }],
        },
        opts,
    );

    return {
        serviceAccount,
        workerServiceAccount,
        backupServiceAccount,
        resources: [serviceAccount, workerServiceAccount, backupServiceAccount, ...infra, role, binding, workerRole, workerBinding],
    };
}
