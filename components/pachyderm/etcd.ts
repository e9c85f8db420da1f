import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    antiAffinity,
    appService,
    containerSecurityContext,
    disruptionBudget,
    labels,
    podSecurityContext,
    resources,
    selector,
    topologySpread,
} from "./common";
import { ETCD_CLAIM_TEMPLATE, ETCD_CLIENT_PORT, ETCD_PEER_PORT, IMAGES, K8S_NAMES, etcdClaimName } from "./names";
import { BuildContext, PachydermArgs } from "./types";

/** Non-root uid of every Pachyderm-side pod (2.12's own choice for pachd). */
export const NONROOT_UID = 65532;

export interface Etcd {
    service: k8s.core.v1.Service;
    resources: pulumi.Resource[];
}

export function createEtcd(ctx: BuildContext): Etcd {
    const { name, parent, args, namespace } = ctx;
    const replicas = args.etcd.replicas;
    const app = K8S_NAMES.etcd;

    // Claims named as the StatefulSet expects, pinned to the PVs of components/pachydermVolumes.ts (static binding).
    const claims = args.volumes.etcdVolumeNames.map(
        (volumeName, i) =>
            new k8s.core.v1.PersistentVolumeClaim(
                `${name}-etcd-pvc-${i}`,
                {
                    metadata: { name: etcdClaimName(i), namespace, labels: labels(app) },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: "",
                        volumeName,
                        resources: { requests: { storage: `${args.volumes.etcdSizeGi}Gi` } },
                    },
                },
                { parent, dependsOn: args.volumes.dependsOn },
            ),
    );

    const headless = appService(ctx, `${name}-etcd-headless`, K8S_NAMES.etcdHeadless, app, {
        clusterIP: "None",
        // Peers must resolve each other before they are ready, or the cluster never forms.
        publishNotReadyAddresses: true,
        ports: [
            { name: "client-port", port: ETCD_CLIENT_PORT, targetPort: ETCD_CLIENT_PORT },
            { name: "peer-port", port: ETCD_PEER_PORT, targetPort: ETCD_PEER_PORT },
        ],
    });
    const service = appService(ctx, `${name}-etcd`, K8S_NAMES.etcd, app, {
        type: "ClusterIP",
        ports: [{ name: "client-port", port: ETCD_CLIENT_PORT, targetPort: ETCD_CLIENT_PORT }],
    });

    const statefulSet = new k8s.apps.v1.StatefulSet(
        `${name}-etcd`,
        {
            metadata: { name: K8S_NAMES.etcd, namespace, labels: labels(app) },
            spec: {
                replicas,
                serviceName: K8S_NAMES.etcdHeadless,
                // All members must start together to form the initial cluster.
                podManagementPolicy: "Parallel",
                selector: { matchLabels: selector(app) },
                template: {
                    metadata: { labels: labels(app) },
                    spec: {
                        automountServiceAccountToken: false,
                        serviceAccountName: K8S_NAMES.etcdServiceAccount,
                        securityContext: podSecurityContext(NONROOT_UID),
                        affinity: antiAffinity(app, replicas),
                        // Zonal disks pin members to zones: refuse to stack them rather than lose quorum with one zone.
                        topologySpreadConstraints: topologySpread(app, args.zones, true),
                        terminationGracePeriodSeconds: 60,
                        containers: [etcdContainer(args)],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: ETCD_CLAIM_TEMPLATE, labels: labels(app) },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: "",
                            resources: { requests: { storage: `${args.volumes.etcdSizeGi}Gi` } },
                        },
                    },
                ],
            },
        },
        { parent, dependsOn: [...claims, headless] },
    );

    // Quorum of 3 survives one voluntary eviction, never two.
    const pdb = disruptionBudget(ctx, `${name}-etcd-pdb`, app, replicas, { minAvailable: Math.floor(replicas / 2) + 1 });
    return { service, resources: [...claims, headless, service, statefulSet, ...pdb] };
}

/** The etcd member: its peers by their stable StatefulSet DNS names, health probes on /health. */
function etcdContainer(args: PachydermArgs): k8s.types.input.core.v1.Container {
    const peers = Array.from(
        { length: args.etcd.replicas },
        (_, i) => `etcd-${i}=http://etcd-${i}.${K8S_NAMES.etcdHeadless}.$(NAMESPACE).svc.cluster.local:${ETCD_PEER_PORT}`,
    ).join(",");
    const probe = (failureThreshold: number): k8s.types.input.core.v1.Probe => ({
        httpGet: { path: "/health", port: ETCD_CLIENT_PORT },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold,
    });
    return {
        name: "etcd",
        image: IMAGES.etcd,
        command: ["/usr/local/bin/etcd"],
        args: [
            "--name=$(ETCD_NAME)",
            // A subdirectory: etcd wants 0700 on its data dir, the volume root carries fsGroup bits.
            "--data-dir=/var/data/etcd/data",
            `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
            `--advertise-client-urls=http://$(ETCD_NAME).${K8S_NAMES.etcdHeadless}.$(NAMESPACE).svc.cluster.local:${ETCD_CLIENT_PORT}`,
            `--listen-peer-urls=http://0.0.0.0:${ETCD_PEER_PORT}`,
            `--initial-advertise-peer-urls=http://$(ETCD_NAME).${K8S_NAMES.etcdHeadless}.$(NAMESPACE).svc.cluster.local:${ETCD_PEER_PORT}`,
            `--initial-cluster=${peers}`,
            "--initial-cluster-token=pach-cluster",
            "--initial-cluster-state=new",
            "--auto-compaction-retention=1",
            "--max-txn-ops=10000",
            "--max-request-bytes=52428800",
            "--quota-backend-bytes=8589934592",
        ],
        env: [
            { name: "ETCD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
            { name: "NAMESPACE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } } },
        ],
        ports: [
            { name: "client-port", containerPort: ETCD_CLIENT_PORT },
            { name: "peer-port", containerPort: ETCD_PEER_PORT },
        ],
        readinessProbe: probe(3),
        // Lenient: a member without quorum reports unhealthy; restarting it does not help.
        livenessProbe: { ...probe(12), initialDelaySeconds: 30 },
        startupProbe: { ...probe(30) },
        resources: resources(args.etcd.resources),
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: ETCD_CLAIM_TEMPLATE, mountPath: "/var/data/etcd" }],
    };
}
