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
import { createInClusterPostgres } from "./inClusterPostgres";
import { createRbac } from "./rbac";
import { createSecrets } from "./secrets";
import { BuildContext, PachydermArgs } from "./types";

export * from "./names";
export { PachydermArgs, ResourceSizing } from "./types";

/**
 * How the composition root wires the component's typed arguments: credentials matching the storage auth mode,
 * one volume per etcd member, what each PostgreSQL kind needs. Config cannot produce a mismatch (it owns every
 * value check: lib/config.ts); a caller that breaks the wiring gets a RunError before anything is declared.
 */
function assertWiring(name: string, args: PachydermArgs): void {
    const problems: string[] = [];
    const { storage, volumes, postgres, etcd } = args;
    if (storage.authMode === "sharedKey" && storage.accountKey === undefined)
        problems.push("storage.accountKey: required in sharedKey mode");
    if (storage.authMode === "workloadIdentity" && (storage.accountKey !== undefined || storage.identityClientId === undefined))
        problems.push("storage: workloadIdentity mode takes identityClientId and no accountKey");
    if (volumes.etcdVolumeNames.length !== etcd.replicas)
        problems.push(`volumes.etcdVolumeNames: ${volumes.etcdVolumeNames.length} volume(s) for ${etcd.replicas} etcd member(s)`);
    if (postgres.kind === "inCluster" && volumes.postgresVolumeName === undefined)
        problems.push("volumes.postgresVolumeName: required when postgres.kind is inCluster");
    if (postgres.kind === "azureFlexible" && (postgres.host === undefined || !postgres.subnetCidr))
        problems.push("postgres.host and postgres.subnetCidr: required when postgres.kind is azureFlexible");
    if (problems.length > 0) throw new pulumi.RunError(`Pachyderm ${name}: ${problems.join("; ")}`);
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
        assertWiring(name, args); // before super: broken wiring registers nothing
        super("pachyderm-azure:pachyderm:Pachyderm", name, {}, opts);

        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: args.namespace,
                    labels: {
                        ...labels("pachyderm"),
                        // baseline, not restricted: the worker pods pachd 2.12 creates drop ["all"] (lowercase) and set
                        // neither runAsNonRoot nor seccomp (src/server/pps/server/worker_rc.go at 2.12.x), which
                        // restricted rejects; our own pods stay restricted-clean (docs/policy.md rule 34) and restricted is audited and warned.
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
