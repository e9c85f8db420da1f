import { validateK8sObject } from "../helpers/k8sValidation";
import { captureResources } from "../helpers/mockHarness";
import { evaluateManifests, Manifest } from "../helpers/policyEngine";
import { buildScenario, manifest, Stack } from "./stacks";
import type { JsonValue } from "../../lib/json";

// The checks the component tests rely on (the policy pack, the Kubernetes schema) fail on broken objects.
const captured = captureResources();
let prodStack: Stack;
beforeAll(async () => {
    prodStack = await buildScenario(captured, 1);
});
const prod = () => prodStack;

describe("the validators catch broken objects", () => {
    const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));
    const objs = () => prod().objects.map(manifest).map(clone);
    const rulesOf = (o: Manifest[]) => evaluateManifests(o, "prod");
    const pachdOf = (o: JsonValue[]) => o.find((x) => x.kind === "Deployment" && x.metadata.name === "pachd");

    test("readOnlyRootFilesystem removed -> rule 34", async () => {
        const o = objs();
        delete pachdOf(o).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem;
        expect(await rulesOf(o)).toEqual([
            expect.objectContaining({
                rule: "34",
                urn: expect.stringMatching(/:Deployment::pachyderm\/pachd$/),
                message: expect.stringMatching(/readOnlyRootFilesystem/),
            }),
        ]);
    });
    test(":latest and a missing probe -> rule 35", async () => {
        const o = objs();
        const c = pachdOf(o).spec.template.spec.containers[0];
        c.image = "pachyderm/pachd:latest";
        delete c.livenessProbe;
        expect((await rulesOf(o)).map((f) => f.rule)).toEqual(["35", "35"]);
    });
    test("a public load balancer and a NodePort -> rule 28", async () => {
        const o = objs();
        const lb = o.find((x: JsonValue) => x.metadata.name === "pachd-lb")!;
        delete lb.metadata.annotations!["service.beta.kubernetes.io/azure-load-balancer-internal"];
        o.find((x: JsonValue) => x.metadata.name === "console" && x.kind === "Service")!.spec.type = "NodePort";
        expect((await rulesOf(o)).map((f) => f.rule)).toEqual(["28", "28"]);
    });
    test("token automount on a store, a PDB allowing nothing, etcd open to everyone, no default deny", async () => {
        const o = objs();
        o.find((x: JsonValue) => x.kind === "StatefulSet" && x.metadata.name === "etcd")!.spec.template.spec.automountServiceAccountToken =
            true;
        o.find((x: JsonValue) => x.kind === "PodDisruptionBudget" && x.metadata.name === "etcd")!.spec.minAvailable = 3;
        o.find((x: JsonValue) => x.metadata.name === "etcd-ingress")!.spec.ingress.push({ from: [{ podSelector: {} }] });
        const withoutDeny = o.filter((x: JsonValue) => x.metadata.name !== "default-deny-all");
        expect((await rulesOf(withoutDeny)).map((f) => f.rule).sort()).toEqual(["36", "37", "38", "38"]);
    });
    test("removing the backup job and the zone spread -> rule 37", async () => {
        const o = objs().filter((x: JsonValue) => x.kind !== "CronJob");
        delete pachdOf(o).spec.template.spec.topologySpreadConstraints;
        expect((await rulesOf(o)).map((f) => f.message)).toEqual([expect.stringMatching(/zone/), expect.stringMatching(/snapshot/)]);
    });
    test("schema: unknown field, wrong type, missing required field", () => {
        const d = clone(manifest(pachdOf(objs())));
        d.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true; // typo
        d.spec.replicas = "two";
        delete d.spec.selector;
        const errors = validateK8sObject(d);
        expect(errors).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/containers\/0\/securityContext\/readOnlyRootFileSystem: unknown field/),
                expect.stringMatching(/^\/spec\/replicas: /),
                expect.stringMatching(/selector/),
            ]),
        );
        expect(validateK8sObject({ apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } })).toEqual([
            expect.stringMatching(/no model/),
        ]);
    });
});
