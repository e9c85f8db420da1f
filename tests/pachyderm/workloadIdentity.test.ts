import { CLUSTER_DEFAULTS_FILE } from "../../components/pachyderm/clusterDefaults";
import { K8S_NAMES } from "../../components/pachyderm/names";
import { PACHCTL_BINARY } from "../../lib/facts/pachyderm";
import { loadPlan, ofType, STACKS } from "../helpers/plans";
import { k8sObjectsOf, plannedClusterDefaults, plannedWorkerPod, validateClusterDefaults } from "./helpers";
import type { JsonValue } from "../../lib/json";

/**
 * Keyless storage reaches the pipeline workers: the AKS webhook only mutates pods labelled
 * `azure.workload.identity/use: "true"` (https://learn.microsoft.com/azure/aks/workload-identity-overview),
 * the pod's ServiceAccount names the identity (`azure.workload.identity/client-id`), and the identity trusts
 * `system:serviceaccount:<ns>:<sa>` through a federated credential.
 */

describe.each(STACKS)("workload identity for the pipeline workers of stack %s", (stack) => {
    const plan = loadPlan(stack);
    const objects = k8sObjectsOf(plan);
    const ns = objects.find((o) => o.kind === "Namespace")!.metadata.name!;
    const workerSa = objects.find((o) => o.kind === "ServiceAccount" && o.metadata.name === K8S_NAMES.workerServiceAccount)!;
    const keyless = workerSa.metadata.annotations?.["azure.workload.identity/client-id"] !== undefined;

    it("runs in keyless mode (the default of every committed stack)", () => {
        expect(keyless).toBe(true);
    });

    it("labels the worker pods pachd creates for the webhook", () => {
        const pod = plannedWorkerPod(objects);
        expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
        expect(pod.spec.serviceAccountName).toBe(K8S_NAMES.workerServiceAccount);
        // The storage sidecar reads the account name from the storage secret; no key in keyless mode.
        const storage = objects.find((o) => o.kind === "Secret" && o.metadata.name === "pachyderm-storage-secret")!;
        expect(pod.spec.containers.find((c: JsonValue) => c.name === "storage").envFrom).toEqual([
            { secretRef: { name: storage.metadata.name } },
        ]);
    });

    it("federates the worker ServiceAccount with the identity", () => {
        const subjects = ofType(plan, "azure-native:managedidentity:FederatedIdentityCredential").map((f) => f.inputs.subject);
        expect(subjects).toContain(`system:serviceaccount:${ns}:${K8S_NAMES.workerServiceAccount}`);
    });

    it("sets the cluster defaults through pachctl once pachd is ready, with a spec pachd accepts", () => {
        const defaults = plannedClusterDefaults(objects);
        expect(validateClusterDefaults(defaults)).toBe(true);
        const job = plan.resources.find(
            (r) => r.type === "kubernetes:batch/v1:Job" && (r.inputs as JsonValue).metadata.name === K8S_NAMES.clusterDefaults,
        )!;
        const pachd = plan.resources.find(
            (r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as JsonValue).metadata.name === K8S_NAMES.pachd,
        )!;
        expect(job.dependsOn).toContain(pachd.urn);
        const pod = (job.inputs as JsonValue).spec.template.spec;
        expect(pod.containers[0].command).toEqual([
            PACHCTL_BINARY,
            "update",
            "defaults",
            "--cluster",
            "--regenerate",
            "--file",
            `/defaults/${CLUSTER_DEFAULTS_FILE}`,
        ]);
        expect(pod.volumes.find((v: JsonValue) => v.name === "defaults").configMap.name).toBe(K8S_NAMES.clusterDefaults);
    });
});

it("Pachyderm's schema refuses a cluster-defaults document it does not know", () => {
    expect(validateClusterDefaults({ createPipelineRequest: { metadata: { labels: { a: "b" } } } })).toBe(true);
    expect(validateClusterDefaults({ createPipelineRequest: { podLabels: { a: "b" } } })).toBe(false);
    expect(validateClusterDefaults({ metadata: { labels: { a: "b" } } })).toBe(false);
});
