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
    const keyless = args.storage.authMode === "workloadIdentity";
    // The webhook exchanges the SA token for an Entra token for this identity.
    const wiAnnotations: Record<string, pulumi.Input<string>> | undefined = keyless
        ? { "azure.workload.identity/client-id": args.storage.identityClientId! }
        : undefined;

    // Token automount stays off on the accounts; the pods that call the API (pachd) opt in.
    const account = (suffix: string, saName: string, app: string, annotations?: Record<string, pulumi.Input<string>>) =>
        new k8s.core.v1.ServiceAccount(
            `${name}-${suffix}`,
            { metadata: { name: saName, namespace, labels: labels(app), annotations }, automountServiceAccountToken: false },
            { parent },
        );
    const serviceAccount = account("sa", K8S_NAMES.serviceAccount, "pachd", wiAnnotations);
    const workerServiceAccount = account("worker-sa", K8S_NAMES.workerServiceAccount, "pachyderm-worker", wiAnnotations);
    const backupServiceAccount = account("backup-sa", K8S_NAMES.backupServiceAccount, K8S_NAMES.etcdBackup, wiAnnotations);

    // Identity-free accounts for the stores: no pod borrows another's permissions (docs/policy.md rule 36).
    const infra = [
        account("etcd-sa", K8S_NAMES.etcdServiceAccount, K8S_NAMES.etcd),
        // pg-bouncer runs on every stack (components/pachyderm/pgbouncer.ts).
        account("pg-bouncer-sa", K8S_NAMES.pgBouncerServiceAccount, K8S_NAMES.pgBouncer),
        ...(args.postgres.kind === "inCluster" ? [account("postgres-sa", K8S_NAMES.postgresServiceAccount, K8S_NAMES.postgres)] : []),
        ...(args.console ? [account("console-sa", K8S_NAMES.consoleServiceAccount, K8S_NAMES.console)] : []),
    ];

    const read = ["get", "list", "watch"];
    const pachdRole = boundRole(ctx, "", K8S_NAMES.serviceAccount, "pachd", serviceAccount, [
        { apiGroups: [""], resources: ["pods", "pods/log", "endpoints", "events"], verbs: read },
        {
            apiGroups: [""],
            resources: ["replicationcontrollers", "replicationcontrollers/scale", "services"],
            verbs: [...read, "create", "update", "delete"],
        },
        { apiGroups: [""], resources: ["secrets"], verbs: [...read, "create", "update", "delete", "deletecollection"] },
        { apiGroups: ["apps"], resources: ["deployments", "deployments/scale"], verbs: ["get", "list", "patch", "update"] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "update", "create"] },
    ]);
    const workerRole = boundRole(ctx, "worker-", K8S_NAMES.workerServiceAccount, "pachyderm-worker", workerServiceAccount, [
        { apiGroups: [""], resources: ["services", "pods"], verbs: ["get", "list", "update", "create", "delete"] },
    ]);

    return {
        serviceAccount,
        workerServiceAccount,
        backupServiceAccount,
        resources: [serviceAccount, workerServiceAccount, backupServiceAccount, ...infra, ...pachdRole, ...workerRole],
    };
}

/** A namespaced Role named after its ServiceAccount (`<component>-<prefix>role`) and its RoleBinding to that account. */
function boundRole(
    ctx: BuildContext,
    prefix: string,
    roleName: string,
    app: string,
    account: k8s.core.v1.ServiceAccount,
    rules: k8s.types.input.rbac.v1.PolicyRule[],
): [k8s.rbac.v1.Role, k8s.rbac.v1.RoleBinding] {
    const { name, parent, namespace } = ctx;
    const metadata = { name: roleName, namespace, labels: labels(app) };
    const role = new k8s.rbac.v1.Role(`${name}-${prefix}role`, { metadata, rules }, { parent });
    const binding = new k8s.rbac.v1.RoleBinding(
        `${name}-${prefix}rolebinding`,
        {
            metadata,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
        },
        { parent },
    );
    return [role, binding];
}
