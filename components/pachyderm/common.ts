import * as k8s from "@pulumi/kubernetes";
import { BuildContext, ResourceSizing } from "./types";

type Labels = Record<string, string>;

/** `app`/`suite` on every object (pachctl and Pachyderm's own selectors use them). */
export function labels(app: string, extra: Labels = {}): Labels {
    return { app, suite: "pachyderm", "app.kubernetes.io/part-of": "pachyderm", "app.kubernetes.io/managed-by": "pulumi", ...extra };
}

/** The selector subset: stable across releases (selectors are immutable). */
export function selector(app: string): Labels {
    return { app, suite: "pachyderm" };
}

export function meta(
    name: string,
    namespace: k8s.types.input.meta.v1.ObjectMeta["namespace"],
    app: string,
    extra: Partial<k8s.types.input.meta.v1.ObjectMeta> = {},
): k8s.types.input.meta.v1.ObjectMeta {
    return { name, namespace, labels: labels(app), ...extra };
}

/** Pod-level hardening shared by every pod (Pod Security "restricted"). */
export function podSecurityContext(uid: number, fsGroup = uid): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup,
        // Only chown the volume when its root does not already match: avoids slow restarts on big volumes.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level hardening (docs/policy.md rule 34). */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function resources(r: ResourceSizing): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { memory: r.memoryLimit } };
}

/** Zone spread (when zones are given) plus node spread, for the pods of one app. */
export function topologySpread(app: string, zones: string[], hardZones: boolean): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const spread: k8s.types.input.core.v1.TopologySpreadConstraint[] = [
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector(app) },
        },
    ];
    if (zones.length > 0) {
        spread.unshift({
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: hardZones ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: { matchLabels: selector(app) },
        });
    }
    return spread;
}

/** Never two members of a quorum (or two pachd) on one node when there is more than one. */
export function antiAffinity(app: string, replicas: number): k8s.types.input.core.v1.Affinity | undefined {
    if (replicas < 2) return undefined;
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector(app) } },
            ],
        },
    };
}

/** Writable scratch space under a read-only root filesystem. */
export function emptyDir(name: string, sizeLimit?: string): k8s.types.input.core.v1.Volume {
    return { name, emptyDir: sizeLimit ? { sizeLimit } : {} };
}

/** A Service selecting `app`'s pods: `spec` adds its type and ports (headless: `clusterIP: None`). */
export function appService(
    ctx: BuildContext,
    logicalName: string,
    serviceName: string,
    app: string,
    spec: k8s.types.input.core.v1.ServiceSpec,
): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        logicalName,
        { metadata: { name: serviceName, namespace: ctx.namespace, labels: labels(app) }, spec: { selector: selector(app), ...spec } },
        { parent: ctx.parent },
    );
}

/**
 * The PodDisruptionBudget of an app with more than one replica (none otherwise: a budget on one pod would block
 * every node drain). `budget` is `minAvailable` (quorum) or `maxUnavailable`.
 */
export function disruptionBudget(
    ctx: BuildContext,
    logicalName: string,
    app: string,
    replicas: number,
    budget: { minAvailable: number } | { maxUnavailable: number },
): k8s.policy.v1.PodDisruptionBudget[] {
    if (replicas < 2) return [];
    return [
        new k8s.policy.v1.PodDisruptionBudget(
            logicalName,
            {
                metadata: { name: app, namespace: ctx.namespace, labels: labels(app) },
                spec: { ...budget, selector: { matchLabels: selector(app) } },
            },
            { parent: ctx.parent },
        ),
    ];
}
