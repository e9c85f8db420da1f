import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createEtcdBackup } from "./backup";
import { createClusterDefaults, needsClusterDefaults } from "./clusterDefaults";
import { labels } from "./common";
import { createConsole } from "./console";
import { createEtcd } from "./etcd";
import { K8S_NAMES, PACHD_PORTS } from "./names";
import { createNetworkPolicies } from "./networkPolicies";
import { createPachd } from "./pachd";
import { createPgBouncer } from "./pgbouncer";
import { createInClusterPostgres } from "./postgres";
import { createRbac } from "./rbac";
import { createSecrets } from "./secrets";
import { BuildContext, PachydermArgs } from "./types";

export * from "./names";
export { PachydermArgs, ResourceSizing } from "./types";

/** Every problem with the arguments, in one list (empty when they are usable). */
export function validatePachydermArgs(args: PachydermArgs): string[] {
    const problems: string[] = [];
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(args.namespace)) problems.push(`namespace: "${args.namespace}" is not a DNS label`);
    if (args.namespace === "default" || args.namespace.startsWith("kube-")) problems.push(`namespace: "${args.namespace}" is reserved`);
    if (!/^\d+\.\d+\.\d+$/.test(args.version)) problems.push(`version: "${args.version}" must be a pinned MAJOR.MINOR.PATCH release`);
    if (args.storage.authMode === "sharedKey" && args.storage.accountKey === undefined)
        problems.push("storage.accountKey: required in sharedKey mode");
    if (args.storage.authMode === "workloadIdentity" && args.storage.accountKey !== undefined)
        problems.push("storage.accountKey: must not be set in workloadIdentity mode");
    if (args.storage.authMode === "workloadIdentity" && args.storage.identityClientId === undefined)
        problems.push("storage.identityClientId: required in workloadIdentity mode");
    if (args.metadata.etcdVolumeNames.length !== args.etcd.replicas)
        problems.push(
            `metadata.etcdVolumeNames: ${args.metadata.etcdVolumeNames.length} volume(s) for ${args.etcd.replicas} etcd member(s)`,
        );
    if (args.postgres.kind === "inCluster" && args.metadata.postgresVolumeName === undefined)
        problems.push("metadata.postgresVolumeName: required when postgres.kind is inCluster");
    if (args.postgres.kind === "azureFlexible" && args.postgres.host === undefined)
        problems.push("postgres.host: required when postgres.kind is azureFlexible");
    if (args.postgres.kind === "azureFlexible" && !args.postgres.subnetCidr)
        problems.push("postgres.subnetCidr: required when postgres.kind is azureFlexible");
    if (!Number.isInteger(args.pachd.replicas) || args.pachd.replicas < 1) problems.push("pachd.replicas: must be a positive integer");
    if (args.pachd.idleTimeoutMinutes < 4 || args.pachd.idleTimeoutMinutes > 30)
        problems.push("pachd.idleTimeoutMinutes: the internal Standard load balancer accepts 4-30");
    if (args.environment === "prod") {
        if (args.pachd.replicas < 2) problems.push("pachd.replicas: production needs 2 or more");
        if (args.etcd.replicas !== 3) problems.push("etcd.replicas: production needs 3");
        if (args.zones.length < 3) problems.push("zones: production spreads over 3 zones");
    }
    if (args.network.apiServerCidrs.length === 0)
        problems.push("network.apiServerCidrs: pachd needs at least one CIDR to reach the API server");
    if (args.oidc && (!args.oidc.issuer.startsWith("https://") || args.oidc.clientId === ""))
        problems.push("oidc: issuer must be https:// and clientId non-empty");
    return problems;
}

/** Pachyderm 2.12 on AKS: every Kubernetes object, written without Helm. */
export class Pachyderm extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** `grpc://<internalLbIp>:30650` */
    public readonly grpcAddress: pulumi.Output<string>;
    /** `http://<internalLbIp>:30600` */
    public readonly s3Endpoint: pulumi.Output<string>;
    public readonly version: pulumi.Output<string>;
    public readonly pachctlConnectCommand: pulumi.Output<string>;
    /** Pachyderm's root token (secret). */
    public readonly rootToken: pulumi.Output<string>;
    /** Names of the etcd snapshot CronJob and of the blob prefix it writes to. */
    public readonly etcdBackupCronJob: pulumi.Output<string>;
    public readonly pachdDeploymentName: pulumi.Output<string>;

    constructor(name: string, args: PachydermArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pachyderm-azure:pachyderm:Pachyderm", name, {}, opts);
        const problems = validatePachydermArgs(args);
        if (problems.length > 0) throw new Error(`Invalid Pachyderm arguments:\n- ${problems.join("\n- ")}`);

        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: args.namespace,
                    labels: {
                        ...labels("pachyderm"),
                        // baseline, not restricted: the worker pods pachd 2.12 creates drop ["all"] (lowercase) and set
                        // neither runAsNonRoot nor seccomp (src/server/pps/server/worker_rc.go at 2.12.x), which
                        // restricted rejects; our own pods stay restricted-clean (rule 34) and restricted is audited and warned.
                        "pod-security.kubernetes.io/enforce": "baseline",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
            },
            { parent: this },
        );
        const ctx: BuildContext = { name, parent: this, args, namespace: ns.metadata.name };

        const rbac = createRbac(ctx);
        const secrets = createSecrets(ctx);
        const policies = createNetworkPolicies(ctx);
        const etcd = createEtcd(ctx);
        const inCluster = args.postgres.kind === "inCluster";
        const postgres = inCluster ? createInClusterPostgres(ctx, secrets.resources) : [];
        const upstream = inCluster ? pulumi.interpolate`${K8S_NAMES.postgres}.${ns.metadata.name}.svc.cluster.local` : args.postgres.host!;
        const bouncer = createPgBouncer(ctx, upstream, [...secrets.resources, ...postgres]);
        // Order: the etcd Service, the Secrets, the accounts and the caller's blob container/role assignments.
        const pachd = createPachd(ctx, [
            etcd.service,
            ...secrets.resources,
            ...rbac.resources,
            ...policies,
            ...postgres,
            ...bouncer,
            ...(args.dependsOn ?? []),
        ]);
        const backup = createEtcdBackup(ctx, [etcd.service, ...secrets.resources, ...rbac.resources]);
        // Worker pods get the workload-identity label and their tolerations only through Pachyderm's cluster defaults.
        if (needsClusterDefaults(args)) createClusterDefaults(ctx, secrets.rootToken, [pachd.deployment, ...policies]);
        if (args.console) createConsole(ctx);

        const ip = args.pachd.internalLbIp;
        this.namespace = ns.metadata.name;
        this.grpcAddress = pulumi.output(`grpc://${ip}:${PACHD_PORTS.grpc.service}`);
        this.s3Endpoint = pulumi.output(`http://${ip}:${PACHD_PORTS.s3.service}`);
        this.version = pulumi.output(args.version);
        this.pachctlConnectCommand = pulumi.output(`pachctl connect grpc://${ip}:${PACHD_PORTS.grpc.service}`);
        this.rootToken = pulumi.secret(secrets.rootToken);
        this.etcdBackupCronJob = backup.metadata.name;
        this.pachdDeploymentName = pachd.deployment.metadata.name;
        this.registerOutputs({
            namespace: this.namespace,
            grpcAddress: this.grpcAddress,
            s3Endpoint: this.s3Endpoint,
            version: this.version,
            pachctlConnectCommand: this.pachctlConnectCommand,
            rootToken: this.rootToken,
            etcdBackupCronJob: this.etcdBackupCronJob,
            pachdDeploymentName: this.pachdDeploymentName,
        });
    }
}
