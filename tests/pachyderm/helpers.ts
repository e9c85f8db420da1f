import Ajv from "ajv";
import { CLUSTER_DEFAULTS_FILE } from "../../components/pachyderm/clusterDefaults";
import { K8S_NAMES } from "../../components/pachyderm/names";
import { workerPod } from "../../lib/facts/pachyderm";
import schema from "../../lib/facts/pachyderm-2.12/ClusterDefaults.schema.json";
import { Plan } from "../../planner/types";
import { must } from "../helpers/must";
import type { JsonValue } from "../../lib/json";

/** A Kubernetes object as planned (inputs). */
export type K8sManifest = {
    apiVersion: string;
    kind: string;
    metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: JsonValue;
    [k: string]: JsonValue;
};

/** Kubernetes objects of a plan (component resources excluded). */
export const k8sObjectsOf = (plan: Plan): K8sManifest[] =>
    plan.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.component).map((r) => r.inputs as K8sManifest);

/** Pod template (metadata and spec) of a workload object. */
export function podTemplateOf(
    o: K8sManifest,
): { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: JsonValue } | undefined {
    const t =
        o.kind === "CronJob"
            ? o.spec?.jobTemplate?.spec?.template
            : ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(o.kind)
              ? o.spec?.template
              : o.kind === "Pod"
                ? { metadata: o.metadata, spec: o.spec }
                : undefined;
    return t ? { metadata: { labels: t.metadata?.labels ?? {}, annotations: t.metadata?.annotations }, spec: t.spec } : undefined;
}

/** The cluster defaults the program sets (the ConfigMap its Job applies), or undefined. */
export function plannedClusterDefaults(objects: K8sManifest[]): JsonValue {
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === K8S_NAMES.clusterDefaults);
    return cm ? JSON.parse(cm.data[CLUSTER_DEFAULTS_FILE]) : undefined;
}

/** The worker pod pachd 2.12 would create in this plan, from the pachd Deployment's settings and the cluster defaults. */
export function plannedWorkerPod(objects: K8sManifest[]) {
    const request = plannedClusterDefaults(objects)?.createPipelineRequest;
    const metadataLabels: Record<string, string> = request?.metadata?.labels ?? {};
    const pachd = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "pachd");
    if (!pachd) throw new Error("no pachd Deployment");
    const env: Record<string, string> = {};
    for (const e of pachd.spec.template.spec.containers[0].env ?? []) if (typeof e.value === "string") env[e.name] = e.value;
    return workerPod({
        serviceAccount: env.WORKER_SERVICE_ACCOUNT ?? "pachyderm-worker",
        workerImage: must(env.WORKER_IMAGE, "pachd's WORKER_IMAGE"),
        sidecarImage: must(env.WORKER_SIDECAR_IMAGE, "pachd's WORKER_SIDECAR_IMAGE"),
        // src/internal/pachconfig/config.go: default=true, default=false
        enableWorkerSecurityContexts: (env.ENABLE_WORKER_SECURITY_CONTEXTS ?? "true") === "true",
        workerUsesRoot: env.WORKER_USES_ROOT === "true",
        metadataLabels,
        tolerations: request?.tolerations,
        pachdEnv: env,
    });
}

/**
 * Pachyderm's own JSON schema of ClusterDefaults (src/internal/jsonschema/pps_v2/ClusterDefaults.schema.json at
 * 2.12.x, commit 7ed6c9f). It is draft-04, where keywords next to `$ref` are ignored; ajv applies them, so
 * they are dropped first (draft-04 semantics).
 */
const draft04 = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(draft04);
    if (node === null || typeof node !== "object") return node;
    const o = node as Record<string, unknown>;
    if (typeof o.$ref === "string") return { $ref: o.$ref };
    return Object.fromEntries(
        Object.entries(o)
            .filter(([k]) => k !== "$schema")
            .map(([k, v]) => [k, draft04(v)]),
    );
};
const { $ref, definitions } = schema as { $ref: string; definitions: object };
export const validateClusterDefaults = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile({
    $ref,
    definitions: draft04(definitions),
});
