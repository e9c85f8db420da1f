import { workerPod } from "../../lib/facts/pachyderm";
import { namespacePodSecurity, podSecurityViolations } from "../../lib/k8s/podSecurity";
import { loadPlan, STACKS } from "../helpers/plans";
import { k8sObjectsOf, plannedWorkerPod, podTemplateOf } from "./helpers";
import type { JsonValue } from "../../lib/json";

const pod = (spec: JsonValue, annotations?: Record<string, string>) => ({ metadata: { annotations }, spec });
const hardened = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

describe("the Pod Security Standards checks", () => {
    it("admit a hardened pod at restricted and a default pod at baseline only", () => {
        expect(podSecurityViolations("restricted", pod({ containers: [{ name: "c", securityContext: hardened }] }))).toEqual([]);
        const plain = pod({ containers: [{ name: "c" }] });
        expect(podSecurityViolations("baseline", plain)).toEqual([]);
        expect(
            podSecurityViolations("restricted", plain)
                .map((v) => v.check)
                .sort(),
        ).toEqual(["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"]);
    });
    it("compare capability names exactly, as the admission controller does", () => {
        const lower = pod({ containers: [{ name: "c", securityContext: { ...hardened, capabilities: { drop: ["all"] } } }] });
        expect(podSecurityViolations("restricted", lower)).toEqual([expect.objectContaining({ check: "capabilities_restricted" })]);
    });
    it("take pod-level runAsNonRoot and seccomp for containers that do not set them, but not an explicit false", () => {
        const spec = {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
        };
        expect(podSecurityViolations("restricted", pod(spec))).toEqual([]);
        const [container] = spec.containers;
        if (container) container.securityContext = { ...container.securityContext, runAsNonRoot: false } as JsonValue;
        expect(podSecurityViolations("restricted", pod(spec)).map((v) => v.check)).toEqual(["runAsNonRoot"]);
    });
    it("refuse at baseline what breaks isolation", () => {
        const bad = pod(
            {
                hostNetwork: true,
                securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }], seccompProfile: { type: "Unconfined" } },
                volumes: [{ name: "h", hostPath: { path: "/" } }],
                containers: [
                    {
                        name: "c",
                        ports: [{ containerPort: 80, hostPort: 80 }],
                        securityContext: {
                            privileged: true,
                            capabilities: { add: ["NET_ADMIN"] },
                            procMount: "Unmasked",
                            seLinuxOptions: { user: "root" },
                        },
                        livenessProbe: { httpGet: { host: "10.0.0.1", port: 80 } },
                    },
                ],
            },
            { "container.apparmor.security.beta.kubernetes.io/c": "unconfined" },
        );
        expect([...new Set(podSecurityViolations("baseline", bad).map((v) => v.check))].sort()).toEqual([
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPathVolumes",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
        ]);
    });
    it("read a namespace's levels, privileged when unlabelled", () => {
        expect(
            namespacePodSecurity({ "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" }),
        ).toEqual({ enforce: "baseline", audit: "privileged", warn: "restricted" });
        expect(() => namespacePodSecurity({ "pod-security.kubernetes.io/enforce": "strict" })).toThrow(/not a level/);
    });
});

describe("the worker pod pachd 2.12 builds (src/server/pps/server/worker_rc.go)", () => {
    const worker = workerPod({
        serviceAccount: "pachyderm-worker",
        workerImage: "pachyderm/worker:2.12.2",
        sidecarImage: "pachyderm/pachd:2.12.2",
        enableWorkerSecurityContexts: true,
        pachdEnv: {},
    });
    it("is rejected by restricted: lowercase drop, no runAsNonRoot, no seccomp, user container unhardened", () => {
        const checks = new Set(podSecurityViolations("restricted", worker).map((v) => v.check));
        expect([...checks].sort()).toEqual([
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "runAsNonRoot",
            "seccompProfile_restricted",
        ]);
    });
    it("is admitted by baseline", () => {
        expect(podSecurityViolations("baseline", worker)).toEqual([]);
    });
    it('stays rejected by restricted when the pipeline sets transform.user (the storage sidecar keeps drop ["all"])', () => {
        const withUser = workerPod({
            serviceAccount: "w",
            workerImage: "w",
            sidecarImage: "s",
            enableWorkerSecurityContexts: true,
            transformUser: "1000",
            pachdEnv: {},
        });
        expect(podSecurityViolations("restricted", withUser).map((v) => v.detail)).toEqual(
            expect.arrayContaining(['container storage must drop ["ALL"]']),
        );
    });
});

describe.each(STACKS)("Pod Security in stack %s", (stack) => {
    const objects = k8sObjectsOf(loadPlan(stack));
    const ns = objects.find((o) => o.kind === "Namespace")!;
    const levels = namespacePodSecurity(ns.metadata.labels);

    it("admits the worker pods pachd creates at the namespace's enforce level", () => {
        expect(podSecurityViolations(levels.enforce, plannedWorkerPod(objects))).toEqual([]);
    });
    it("audits and warns at restricted", () => {
        expect([levels.audit, levels.warn]).toEqual(["restricted", "restricted"]);
    });
    it("renders every pod of its own hardened to restricted", () => {
        const findings = objects.flatMap((o) => {
            const t = podTemplateOf(o);
            return t ? podSecurityViolations("restricted", t).map((v) => `${o.kind}/${o.metadata.name}: ${v.detail}`) : [];
        });
        expect(findings).toEqual([]);
    });
});
