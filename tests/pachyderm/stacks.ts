import * as pulumi from "@pulumi/pulumi";
import type { PachydermArgs as Args } from "../../components/pachyderm";
import { Captured, settle } from "../helpers/mockHarness";
import { must } from "../helpers/must";
import type { Manifest } from "../helpers/policyEngine";
import type { JsonValue } from "../../lib/json";

/**
 * The Pachyderm component's test scenarios (dev and prod baselines, storage auth modes, PostgreSQL kinds, Spot
 * workers), built under the shared mock harness. Call captureResources() in the test file first: the component
 * is loaded here only when built, after the mocks (Pulumi's testing guide).
 */

export const base = (over: Partial<Args> = {}): Args => ({
    namespace: "pachyderm",
    version: "2.12.2",
    environmentKind: "dev",
    zones: [],
    storage: {
        accountName: "stpachlabdev123456",
        containerName: "pachyderm",
        blobEndpoint: "https://stpachlabdev123456.blob.core.windows.net/",
        authMode: "workloadIdentity",
        identityClientId: "00000000-0000-0000-0000-000000000001",
        privateEndpointsCidr: "10.40.16.128/26",
    },
    volumes: {
        kind: "managedDisk",
        etcdVolumeNames: ["pv-etcd-0"],
        etcdSizeGi: 256,
        postgresVolumeName: "pv-postgres",
        postgresSizeGi: 256,
    },
    postgres: { kind: "inCluster", user: "pachyderm", password: pulumi.secret("pg-pass") },
    network: { ingressSubnetCidr: "10.40.16.0/26", aksSubnetCidr: "10.40.0.0/20", apiServerCidrs: [pulumi.output("20.1.2.3/32")] },
    pachd: {
        replicas: 1,
        internalLbIp: "10.40.15.250",
        idleTimeoutMinutes: 30,
        resources: { cpuRequest: "1", memoryRequest: "2Gi", memoryLimit: "4Gi" },
    },
    etcd: { replicas: 1, resources: { cpuRequest: "500m", memoryRequest: "1Gi", memoryLimit: "2Gi" }, backupSchedule: "0 */6 * * *" },
    console: false,
    workerTolerations: [],
    ...over,
});

export const prodArgs = (): Args =>
    base({
        environmentKind: "prod",
        zones: ["1", "2", "3"],
        storage: { ...base().storage, authMode: "sharedKey", identityClientId: undefined, accountKey: pulumi.secret("account-key") },
        volumes: { kind: "glusterfs", etcdVolumeNames: ["pv-etcd-0", "pv-etcd-1", "pv-etcd-2"], etcdSizeGi: 256 },
        postgres: {
            kind: "azureFlexible",
            host: "psql-pachlab-prod.postgres.database.azure.com",
            user: "pachyderm",
            password: pulumi.secret("pg-pass"),
            subnetCidr: "10.40.16.192/28",
        },
        pachd: { ...base().pachd, replicas: 2 },
        etcd: { ...base().etcd, replicas: 3 },
        console: true,
        oidc: { issuer: "https://login.example.com", clientId: "pachyderm", clientSecret: pulumi.secret("oidc-secret") },
    });

export interface Stack {
    /** The component's logical name (prefix of its children's). */
    name: string;
    comp: import("../../components/pachyderm").Pachyderm;
    objects: (Manifest & { secretPaths: string[] })[];
    all: Captured[];
}

async function build(captured: Captured[], name: string, args: Args): Promise<Stack> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Pachyderm } = require("../../components/pachyderm") as typeof import("../../components/pachyderm");
    const comp = new Pachyderm(name, args);
    await settle(comp.grpcAddress, comp.pachctlConnectCommand);
    const all = captured.filter((c) => c.name.startsWith(`${name}-`));
    const objects = all
        .filter((c) => c.type.startsWith("kubernetes:"))
        .map((c) => ({ ...(c.inputs as Manifest), secretPaths: c.secretPaths }));
    return { name, comp, objects, all };
}

/** A value is secret when it, or an object holding it, was marked secret (the k8s SDK marks all of stringData). */
export const isSecretAt = (o: { secretPaths: string[] }, at: string) => o.secretPaths.some((p) => at === p || at.startsWith(`${p}.`));
export const manifest = ({ secretPaths: _s, ...o }: JsonValue) => o;
export const find = (s: Stack, kind: string, name: string) => {
    const o = s.objects.find((x) => x.kind === kind && x.metadata?.name === name);
    if (!o) throw new Error(`${kind}/${name} not found`);
    return o as JsonValue;
};
export const envOf = (d: JsonValue) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: JsonValue) => [e.name, e]));

export const scenarios: [string, () => Args, "dev" | "prod"][] = [
    ["dev, keyless, in-cluster postgres", () => base(), "dev"],
    ["prod, shared key, flexible server, console, oidc", prodArgs, "prod"],
    [
        "dev, shared key, in-cluster, console",
        () =>
            base({
                storage: { ...base().storage, authMode: "sharedKey", identityClientId: undefined, accountKey: pulumi.secret("k") },
                console: true,
            }),
        "dev",
    ],
    [
        "prod, keyless, in-cluster postgres",
        () => ({
            ...prodArgs(),
            storage: base().storage,
            postgres: base().postgres,
            volumes: { ...prodArgs().volumes, postgresVolumeName: "pv-pg" },
        }),
        "prod",
    ],
    [
        "dev, shared key, Spot workers",
        () =>
            base({
                storage: { ...base().storage, authMode: "sharedKey", identityClientId: undefined, accountKey: pulumi.secret("k") },
                workerTolerations: [
                    { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
                ],
            }),
        "dev",
    ],
];

/** Builds every scenario once (components `p0`, `p1`...), in the test file's beforeAll. */
export async function buildScenarios(captured: Captured[]): Promise<Map<string, Stack>> {
    const stacks = new Map<string, Stack>();
    for (const [i, [label, args]] of scenarios.entries()) stacks.set(label, await build(captured, `p${i}`, args()));
    return stacks;
}

/** Builds scenario `i` alone (component `p<i>`). */
export const buildScenario = (captured: Captured[], i: number): Promise<Stack> =>
    build(captured, `p${i}`, must(scenarios[i], `scenario ${i}`)[1]());

/** The stack of scenario `i` (0: dev, 1: prod...). */
export const scenarioStack = (stacks: Map<string, Stack>, i: number): Stack =>
    must(stacks.get(must(scenarios[i], `scenario ${i}`)[0]), `the stack of scenario ${i}`);
