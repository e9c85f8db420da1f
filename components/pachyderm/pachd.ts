import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
import { NONROOT_UID } from "./etcd";
import { ETCD_CLIENT_PORT, IMAGES, K8S_NAMES, PACHD_PORTS, pachdLoadBalancerPorts, POSTGRES_PORT } from "./names";
import { DEX_DATABASE, PACHYDERM_DATABASE } from "./inClusterPostgres";
import { BuildContext } from "./types";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Label the workload identity webhook looks for on pods. */
export const WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use";

export interface Pachd {
    deployment: k8s.apps.v1.Deployment;
    lbService: k8s.core.v1.Service;
    resources: pulumi.Resource[];
}

/** pachd's environment, as the 2.12 chart renders it for deployTarget MICROSOFT (plus explicit etcd address). */
export function pachdEnv(ctx: BuildContext): EnvVar[] {
    const { args } = ctx;
    const inCluster = args.postgres.kind === "inCluster";
    const field = (fieldPath: string): EnvVar["valueFrom"] => ({ fieldRef: { apiVersion: "v1", fieldPath } });
    const env: EnvVar[] = [
        { name: "POSTGRES_HOST", value: inCluster ? K8S_NAMES.postgres : args.postgres.host! },
        { name: "POSTGRES_PORT", value: String(POSTGRES_PORT) },
        { name: "POSTGRES_USER", value: args.postgres.user },
        { name: "POSTGRES_DATABASE", value: PACHYDERM_DATABASE },
        { name: "IDENTITY_SERVER_DATABASE", value: DEX_DATABASE },
        // Flexible Server enforces TLS; the in-cluster server is only reachable inside the namespace.
        { name: "POSTGRES_SSL", value: inCluster ? "disable" : "require" },
        // Workers copy this reference into their pods: it must stay a secretKeyRef.
        { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: K8S_NAMES.postgresSecret, key: "postgresql-password" } } },
        // pachd's pooled client and Dex dial PG_BOUNCER_HOST with TLS off, always (lib/facts/pachyderm.ts
        // PACHD_POSTGRES): it is the in-cluster bouncer on every stack, which speaks TLS upstream when needed.
        { name: "PG_BOUNCER_HOST", value: K8S_NAMES.pgBouncer },
        { name: "PG_BOUNCER_PORT", value: String(POSTGRES_PORT) },
        // Service-link variables would only exist if the etcd Service predates the pod: set them.
        { name: "ETCD_SERVICE_HOST", value: K8S_NAMES.etcd },
        { name: "ETCD_SERVICE_PORT", value: String(ETCD_CLIENT_PORT) },
        { name: "PACH_ROOT", value: "/pach" },
        { name: "STORAGE_BACKEND", value: "MICROSOFT" },
        // azblob:// is what the 2.12 code accepts; azure:// is rejected (issue #9978).
        { name: "STORAGE_URL", value: pulumi.interpolate`azblob://${args.storage.containerName}` },
        { name: "WORKER_IMAGE", value: IMAGES.worker(args.version) },
        { name: "WORKER_SIDECAR_IMAGE", value: IMAGES.pachd(args.version) },
        { name: "WORKER_IMAGE_PULL_POLICY", value: "IfNotPresent" },
        { name: "WORKER_SERVICE_ACCOUNT", value: K8S_NAMES.workerServiceAccount },
        { name: "METRICS", value: "false" },
        { name: "LOG_LEVEL", value: "info" },
        { name: "PACH_NAMESPACE", valueFrom: field("metadata.namespace") },
        { name: "PACHD_POD_NAME", valueFrom: field("metadata.name") },
        { name: "REQUIRE_CRITICAL_SERVERS_ONLY", value: "false" },
        { name: "PPS_WORKER_GRPC_PORT", value: "1080" },
        { name: "ENABLE_WORKER_SECURITY_CONTEXTS", value: "true" },
        { name: "ENABLE_PREFLIGHT_CHECKS", value: "true" },
        { name: "UNPAUSED_MODE", value: "full" },
        { name: "K8S_MEMORY_REQUEST", valueFrom: { resourceFieldRef: { containerName: "pachd", resource: "requests.memory" } } },
        { name: "K8S_MEMORY_LIMIT", valueFrom: { resourceFieldRef: { containerName: "pachd", resource: "limits.memory" } } },
        // Auth on, root token from a Secret, no mock IdP (no connector unless an upstream OIDC issuer is given).
        { name: "ACTIVATE_AUTH", value: "true" },
        { name: "AUTH_ROOT_TOKEN", valueFrom: { secretKeyRef: { name: K8S_NAMES.authSecret, key: "root-token" } } },
        { name: "AUTH_CONFIG", valueFrom: { secretKeyRef: { name: K8S_NAMES.authSecret, key: "auth-config" } } },
        { name: "AUTH_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: K8S_NAMES.authSecret, key: "pachd-oauth-client-secret" } } },
        { name: "IDP_CONFIG", valueFrom: { configMapKeyRef: { name: K8S_NAMES.identityConfig, key: "identity-config" } } },
        { name: "IDP_CLIENTS", valueFrom: { configMapKeyRef: { name: K8S_NAMES.identityConfig, key: "oidc-clients" } } },
    ];
    if (args.oidc) {
        env.push({ name: "IDP_CONNECTORS", valueFrom: { secretKeyRef: { name: K8S_NAMES.identitySecret, key: "upstream-idps" } } });
    }
    return env;
}

function pachdPodSpec(ctx: BuildContext, mode: "pachd" | "pachw", replicas: number): k8s.types.input.core.v1.PodSpec {
    const { args } = ctx;
    const probe = (extra: Partial<k8s.types.input.core.v1.Probe> = {}): k8s.types.input.core.v1.Probe => ({
        exec: { command: ["/pachd", "--readiness"] },
        periodSeconds: 10,
        timeoutSeconds: 30,
        ...extra,
    });
    const p = PACHD_PORTS;
    return {
        serviceAccountName: K8S_NAMES.serviceAccount,
        // pachd creates worker RCs, Services and Secrets: it calls the API.
        automountServiceAccountToken: true,
        securityContext: podSecurityContext(NONROOT_UID),
        affinity: antiAffinity(mode, replicas),
        topologySpreadConstraints: topologySpread(mode, args.zones, args.environmentKind === "prod"),
        containers: [
            {
                name: "pachd",
                image: IMAGES.pachd(args.version),
                command: ["/pachd"],
                // `$(MODE)` comes from the optional pachd-config ConfigMap pachd manages for pause/unpause (as in the chart).
                args: mode === "pachd" ? ["--mode", "$(MODE)"] : ["--mode", "pachw"],
                env: pachdEnv(ctx),
                envFrom: [
                    { secretRef: { name: K8S_NAMES.storageSecret } },
                    { secretRef: { name: K8S_NAMES.deploymentIdSecret } },
                    { configMapRef: { name: "pachd-config", optional: true } },
                ],
                ports: [p.s3, p.grpc, p.peer, p.metrics, p.oidc, p.identity, p.http].map((x) => ({
                    name: x.name,
                    containerPort: x.container,
                    protocol: "TCP",
                })),
                readinessProbe: probe(),
                livenessProbe: probe({ failureThreshold: 10 }),
                // pachd retries until Postgres and etcd answer (#6510): the startup probe gates instead of restarting it.
                startupProbe: probe({ failureThreshold: 30 }),
                resources: resources(args.pachd.resources),
                securityContext: containerSecurityContext(),
                volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "pach-disk", mountPath: "/pach" },
                ],
            },
        ],
        volumes: [emptyDir("tmp"), emptyDir("pach-disk")],
    };
}

export function createPachd(ctx: BuildContext, dependsOn: pulumi.Input<pulumi.Resource>[]): Pachd {
    const { name, parent, args, namespace } = ctx;
    const keyless = args.storage.authMode === "workloadIdentity";
    const podLabels = (app: string) => labels(app, keyless ? { [WORKLOAD_IDENTITY_LABEL]: "true" } : {});
    const p = PACHD_PORTS;
    const replicas = args.pachd.replicas;

    const deployment = new k8s.apps.v1.Deployment(
        `${name}-pachd`,
        {
            metadata: { name: K8S_NAMES.pachd, namespace, labels: labels("pachd") },
            spec: {
                replicas,
                selector: { matchLabels: selector("pachd") },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: replicas > 1 ? 1 : 0, maxSurge: 1 } },
                template: { metadata: { labels: podLabels("pachd") }, spec: pachdPodSpec(ctx, "pachd", replicas) },
            },
        },
        { parent, dependsOn },
    );

    // pachd scales pachw (storage tasks) itself through deployments/scale: Pulumi must not fight over replicas.
    const pachw = new k8s.apps.v1.Deployment(
        `${name}-pachw`,
        {
            metadata: { name: K8S_NAMES.pachw, namespace, labels: labels("pachw") },
            spec: {
                replicas: 0,
                selector: { matchLabels: selector("pachw") },
                template: { metadata: { labels: podLabels("pachw") }, spec: pachdPodSpec(ctx, "pachw", 1) },
            },
        },
        { parent, dependsOn, ignoreChanges: ["spec.replicas"] },
    );

    const svcPorts = [p.grpc, p.s3, p.metrics, p.oidc, p.identity, p.http].map((x) => ({
        name: x.name,
        port: x.service,
        targetPort: x.container,
        protocol: "TCP",
    }));
    const service = appService(ctx, `${name}-pachd-svc`, K8S_NAMES.pachd, "pachd", { type: "ClusterIP", ports: svcPorts });
    const peer = appService(ctx, `${name}-pachd-peer`, K8S_NAMES.pachdPeer, "pachd", {
        type: "ClusterIP",
        ports: [{ name: p.peer.name, port: p.peer.service, targetPort: p.peer.container, protocol: "TCP" }],
    });

    const lbService = pachdLoadBalancer(ctx);
    const pdb = disruptionBudget(ctx, `${name}-pachd-pdb`, "pachd", replicas, { maxUnavailable: 1 });
    return { deployment, lbService, resources: [deployment, pachw, service, peer, lbService, ...pdb] };
}

/** pachd's internal load balancer at its static address: the one entry the ingress VM reaches. */
function pachdLoadBalancer(ctx: BuildContext): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        `${ctx.name}-pachd-lb`,
        {
            metadata: {
                name: K8S_NAMES.pachdLb,
                namespace: ctx.namespace,
                labels: labels("pachd"),
                annotations: {
                    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                    // Replaces the deprecated spec.loadBalancerIP (cloud-provider-azure 1.27+).
                    "service.beta.kubernetes.io/azure-load-balancer-ipv4": ctx.args.pachd.internalLbIp,
                    // Long gRPC streams (put file, logs) must outlive the default 4 minutes.
                    "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout": String(ctx.args.pachd.idleTimeoutMinutes),
                },
            },
            spec: {
                type: "LoadBalancer",
                // Local: no SNAT to a node IP, so pachd's NetworkPolicy sees the ingress subnet's address;
                // the load balancer's health probe only sends traffic to nodes that run a pachd pod.
                externalTrafficPolicy: "Local",
                selector: selector("pachd"),
                // With OIDC, browsers also open Dex and pachd's OIDC callback here (secrets.ts: browserUrls).
                ports: pachdLoadBalancerPorts(ctx.args.oidc !== undefined).map((x) => ({
                    name: x.name,
                    port: x.service,
                    targetPort: x.container,
                    protocol: "TCP",
                })),
            },
        },
        { parent: ctx.parent },
    );
}
