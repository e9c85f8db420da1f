import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MOCK_SUBSCRIPTION_ID } from "../../planner/mocks";
import { Captured, captureResources, dependsOn, evaluateComponent, ofType, one, settle, TYPE, valueOf } from "../helpers/mockHarness";
import { must } from "../helpers/must";

const captured = captureResources();

const { ManagedDiskVolumes, VIRTUAL_MACHINE_CONTRIBUTOR } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/pachydermVolumes") as typeof import("../../components/pachydermVolumes");
type Args = import("../../components/pachydermVolumes").ManagedDiskVolumesArgs;

const CLUSTER_PRINCIPAL = "11111111-2222-4333-8444-555555555555";

function args(env: "dev" | "staging" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    return {
        names: { prefix: "pachlab", stack: env, location: "westeurope" },
        resourceGroupName: `rg-pachlab-${env}`,
        location: "westeurope",
        tags: { environment: prod ? "prod" : "dev", project: "pachlab", owner: "lab", "cost-center": "cc1" },
        zones: env === "dev" ? [] : ["1", "2", "3"],
        protect: prod,
        lock: prod,
        diskSku: prod ? "Premium_ZRS" : "Premium_LRS",
        etcdReplicas: env === "dev" ? 1 : 3,
        etcdDiskSizeGb: prod ? 256 : 64,
        postgresInCluster: !prod,
        postgresDiskSizeGb: 64,
        namespace: "pachyderm",
        clusterPrincipalId: CLUSTER_PRINCIPAL,
        ...over,
    };
}

interface Built {
    comp: InstanceType<typeof ManagedDiskVolumes>;
    of: (type: string) => Captured[];
    get: (type: string, suffix: string) => Captured;
    provider: k8s.Provider;
}

async function build(name: string, a: Args): Promise<Built> {
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret("{}") });
    const comp = new ManagedDiskVolumes(name, a, { providers: { kubernetes: provider } });
    await settle(...comp.etcdVolumeNames, comp.postgresVolumeName, ...comp.diskIds);
    return { comp, provider, of: (type) => ofType(captured, type, name), get: (type, suffix) => one(captured, type, `${name}-${suffix}`) };
}

let dev: Built;
let staging: Built;
let prod: Built;

beforeAll(async () => {
    dev = await build("dev", args("dev"));
    staging = await build("staging", args("staging"));
    prod = await build("prod", args("prod"));
});

describe.each([
    ["dev", () => dev],
    ["staging", () => staging],
    ["prod", () => prod],
] as const)("ManagedDiskVolumes (%s)", (env, get) => {
    const prodEnv = env === "prod";
    const etcd = env === "dev" ? 1 : 3;
    const keys = [...Array.from({ length: etcd }, (_, i) => `etcd-${i}`), ...(prodEnv ? [] : ["postgres"])];

    test("one disk per etcd member, plus PostgreSQL when it runs in the cluster", () => {
        expect(
            get()
                .of(TYPE.Disk)
                .map((d) => d.inputs.diskName),
        ).toEqual(keys.map((k) => `disk-pachlab-${env}-${k}`));
        expect(get().comp.etcdVolumeNames).toHaveLength(etcd);
        expect(get().comp.postgresVolumeName === undefined).toBe(prodEnv);
        expect(get().comp.kind).toBe("managedDisk");
    });

    test("the policy pack passes it: rule 32 (Premium_ZRS in production, no network access, encrypted), rules 11/12", async () => {
        const verdict = await evaluateComponent(captured, env);
        expect(verdict.violations).toEqual([]);
        expect(verdict.passed).toEqual(
            expect.arrayContaining(["metadata-disk-hardened", "arm-resource-names", ...(prodEnv ? ["stateful-resource-options"] : [])]),
        );
    });

    test("disk sizes from the arguments", () => {
        for (const d of get().of(TYPE.Disk)) {
            expect(d.inputs.diskSizeGB).toBe(d.inputs.diskName.endsWith("postgres") ? 64 : prodEnv ? 256 : 64);
        }
    });

    test("zones: LRS disks pinned to the member's zone with matching PV node affinity; ZRS and zoneless disks unpinned", () => {
        const disks = get().of(TYPE.Disk);
        const pvs = get().of(TYPE.PersistentVolume);
        disks.forEach((d, i) => {
            const pv = must(pvs[i], `volume ${i}`);
            if (env === "staging") {
                const zone = d.inputs.diskName.endsWith("postgres") ? "1" : String(i + 1);
                expect(d.inputs.zones).toEqual([zone]);
                expect(pv.inputs.spec.nodeAffinity.required.nodeSelectorTerms).toEqual([
                    { matchExpressions: [{ key: "topology.disk.csi.azure.com/zone", operator: "In", values: [`westeurope-${zone}`] }] },
                ]);
            } else {
                expect(d.inputs.zones).toBeUndefined();
                expect(pv.inputs.spec.nodeAffinity).toBeUndefined();
            }
        });
    });

    test("the cluster identity may attach each disk: Virtual Machine Contributor on that disk only", () => {
        const disks = get().of(TYPE.Disk);
        const roles = get().of(TYPE.RoleAssignment);
        expect(roles).toHaveLength(disks.length);
        roles.forEach((r, i) => {
            expect(r.inputs.scope).toMatch(/\/providers\/Microsoft\.Compute\/disks\/disk-pachlab-/);
            expect(dependsOn(r, must(disks[i], `disk ${i}`))).toBe(true);
            expect(r.inputs.principalId).toBe(CLUSTER_PRINCIPAL);
            expect(r.inputs.principalType).toBe("ServicePrincipal");
            expect(r.inputs.roleDefinitionId).toBe(
                `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${VIRTUAL_MACHINE_CONTRIBUTOR}`,
            );
            expect(r.inputs.roleAssignmentName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        });
        expect(new Set(roles.map((r) => r.inputs.roleAssignmentName)).size).toBe(roles.length);
    });
});

describe.each([
    ["dev", () => dev],
    ["staging", () => staging],
    ["prod", () => prod],
] as const)("ManagedDiskVolumes (%s): PersistentVolumes and protection", (env, get) => {
    const prodEnv = env === "prod";
    const etcd = env === "dev" ? 1 : 3;
    const keys = [...Array.from({ length: etcd }, (_, i) => `etcd-${i}`), ...(prodEnv ? [] : ["postgres"])];

    test("PersistentVolumes: Retain, CSI disk handle, pre-bound to the Pachyderm claims, through the cluster's provider", async () => {
        const disks = get().of(TYPE.Disk);
        const pvs = get().of(TYPE.PersistentVolume);
        const roles = get().of(TYPE.RoleAssignment);
        const claims = keys.map((k) => (k === "postgres" ? "postgres-storage-postgres-0" : `etcd-storage-${k}`));
        const providerUrn = await valueOf(get().provider.urn);
        pvs.forEach((pv, i) => {
            expect(pv.inputs.metadata.name).toBe(`pv-pachlab-${env}-${keys[i]}`);
            expect(pv.inputs.spec).toMatchObject({
                persistentVolumeReclaimPolicy: "Retain",
                accessModes: ["ReadWriteOnce"],
                storageClassName: "",
                capacity: { storage: `${must(disks[i], `disk ${i}`).inputs.diskSizeGB}Gi` },
                claimRef: { namespace: "pachyderm", name: claims[i] },
                csi: { driver: "disk.csi.azure.com", fsType: "ext4" },
            });
            expect(pv.inputs.spec.csi.volumeHandle).toMatch(
                new RegExp(`/providers/Microsoft\\.Compute/disks/disk-pachlab-${env}-${keys[i]}$`),
            );
            expect(dependsOn(pv, must(roles[i], `grant ${i}`))).toBe(true);
            expect(pv.provider.startsWith(`${providerUrn}::`)).toBe(true);
        });
        expect(await Promise.all(get().comp.etcdVolumeNames.map(valueOf))).toEqual(
            keys.filter((k) => k.startsWith("etcd")).map((k) => `pv-pachlab-${env}-${k}`),
        );
        expect(get().comp.persistentVolumes).toHaveLength(keys.length);
    });

    test(`rules 11/12: disks and PVs protected, disks retained and locked ${prodEnv ? "in production" : "— not in dev"}`, () => {
        for (const d of get().of(TYPE.Disk))
            expect({ n: d.name, protect: d.protect, retain: d.retainOnDelete }).toEqual({ n: d.name, protect: prodEnv, retain: prodEnv });
        for (const pv of get().of(TYPE.PersistentVolume))
            expect({ n: pv.name, protect: pv.protect }).toEqual({ n: pv.name, protect: prodEnv });
        const locks = get().of(TYPE.ManagementLockByScope);
        expect(locks).toHaveLength(prodEnv ? keys.length : 0);
        for (const l of locks) expect(l.inputs.level).toBe("CanNotDelete");
        for (const r of captured.filter((c) => c.name.startsWith(`${env}-`))) {
            expect({ n: r.name, deletedWith: r.deletedWith, replaceOnChanges: r.replaceOnChanges, dbr: r.deleteBeforeReplace }).toEqual({
                n: r.name,
                deletedWith: "",
                replaceOnChanges: [],
                dbr: false,
            });
        }
    });
});
