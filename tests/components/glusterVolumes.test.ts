import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import {
    Captured,
    captureResources,
    dependsOn,
    ofType,
    one,
    settle,
    valueOf,
    placement,
    protection,
    WORKSPACE_ID,
    TYPE,
} from "../helpers/mockHarness";
import type { JsonValue } from "../../lib/json";
import { must } from "../helpers/must";

const captured = captureResources();

// Loaded after the mocks are installed (the component module reads no config, but keep the order of the other suites).
const { GlusterVolumes, BRICK_DEVICE, NFS_MOUNT_OPTIONS } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/glusterVolumes") as typeof import("../../components/glusterVolumes");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { metadataClaimNames } = require("../../components/pachyderm/names") as typeof import("../../components/pachyderm/names");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BOOTSTRAP_PATH, ENV_PATH } = require("../../lib/cloudinit/gluster") as typeof import("../../lib/cloudinit/gluster");
type Args = import("../../components/glusterVolumes").GlusterVolumesArgs;

const SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/snet-data";
const OUTBOUND_POOL = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lbe/backendAddressPools/outbound-data";
const NODE_IPS = ["10.41.16.68", "10.41.16.69", "10.41.16.70"];
const CLIENT_IP = "10.41.16.74";
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN6WeEbia+b+zrYWQhs1CaP4kpMCmHzMgOiBbS6r2OwD labadmin@example";

function args(env: "dev" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    return {
        ...placement(env),
        ...protection(env),
        subnetId: SUBNET,
        nodeIps: NODE_IPS,
        clientIp: CLIENT_IP,
        vmSize: "Standard_D2ds_v5",
        brickDiskSizeGb: 256,
        volumeName: "pachmeta",
        adminUsername: "labadmin",
        sshPublicKey: SSH_KEY,
        namespace: "pachyderm",
        etcdReplicas: prod ? 3 : 1,
        etcdDiskSizeGb: 64,
        postgresInCluster: true,
        postgresDiskSizeGb: 32,
        outboundBackendPoolId: prod ? OUTBOUND_POOL : undefined,
        ...(prod ? { diagnostics: { workspaceId: WORKSPACE_ID } } : {}),
        ...over,
    };
}

interface Built {
    comp: InstanceType<typeof GlusterVolumes>;
    provider: k8s.Provider;
    of: (type: string) => Captured[];
    get: (type: string, suffix: string) => Captured;
}

async function build(name: string, a: Args): Promise<Built> {
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "{}" });
    const comp = new GlusterVolumes(name, a, { providers: { kubernetes: provider } });
    await settle(comp.address, ...comp.etcdVolumeNames, comp.postgresVolumeName, ...comp.vmIds, ...comp.brickDiskIds);
    return { comp, provider, of: (type) => ofType(captured, type, name), get: (type, suffix) => one(captured, type, `${name}-${suffix}`) };
}

let dev: Built;
let prod: Built;

beforeAll(async () => {
    dev = await build("dev", args("dev"));
    prod = await build("prod", args("prod"));
});

const decode = (vm: Captured): string => Buffer.from(vm.inputs.osProfile.customData, "base64").toString("utf8");

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("GlusterVolumes (%s)", (env, get) => {
    const prodEnv = env === "prod";

    test(`internal load balancer health events and metrics to Log Analytics ${prodEnv ? "" : "only when asked"}`, () => {
        expect(get().of(TYPE.DiagnosticSetting)).toHaveLength(prodEnv ? 1 : 0);
        if (!prodEnv) return;
        const d = get().get(TYPE.DiagnosticSetting, "lbi-diag");
        expect(d.inputs).toMatchObject({
            workspaceId: WORKSPACE_ID,
            logs: [{ categoryGroup: "allLogs", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        });
        expect(dependsOn(d, get().get(TYPE.LoadBalancer, "lbi"))).toBe(true);
    });

    test("3 VMs, 3 brick disks, 3 NICs and one internal LB", () => {
        expect(
            get()
                .of(TYPE.VirtualMachine)
                .map((v) => v.inputs.vmName),
        ).toEqual([0, 1, 2].map((i) => `vm-pachlab-${env}-gfs${i}`));
        expect(get().of(TYPE.Disk)).toHaveLength(3);
        expect(get().of(TYPE.NetworkInterface)).toHaveLength(3);
        expect(
            get()
                .of(TYPE.LoadBalancer)
                .map((l) => l.inputs.loadBalancerName),
        ).toEqual([`lbi-pachlab-${env}-gfs`]);
        expect(get().comp.kind).toBe("glusterfs");
    });

    test("internal LB: Standard, static frontend = clientIp in the data subnet, zone-redundant only with zones", () => {
        const lb = get().get(TYPE.LoadBalancer, "lbi").inputs;
        expect(lb.sku).toEqual({ name: "Standard", tier: "Regional" });
        expect(lb.frontendIPConfigurations).toHaveLength(1);
        const fe = lb.frontendIPConfigurations[0];
        expect(fe).toMatchObject({ privateIPAllocationMethod: "Static", privateIPAddress: CLIENT_IP, subnet: { id: SUBNET } });
        expect(fe.publicIPAddress).toBeUndefined();
        expect(fe.zones).toEqual(prodEnv ? ["1", "2", "3"] : undefined);
    });

    test("LB: TCP probe on 2049, one 2049 rule with client-IP persistence and a 30 min idle timeout", () => {
        const lb = get().get(TYPE.LoadBalancer, "lbi").inputs;
        expect(lb.probes).toEqual([expect.objectContaining({ protocol: "Tcp", port: 2049 })]);
        expect(lb.loadBalancingRules).toHaveLength(1);
        const rule = lb.loadBalancingRules[0];
        expect(rule).toMatchObject({
            protocol: "Tcp",
            frontendPort: 2049,
            backendPort: 2049,
            loadDistribution: "SourceIP",
            idleTimeoutInMinutes: 30,
        });
        const lbPath = `/resourceGroups/rg-pachlab-${env}/providers/Microsoft.Network/loadBalancers/lbi-pachlab-${env}-gfs`;
        expect(rule.frontendIPConfiguration.id).toMatch(new RegExp(`${lbPath}/frontendIPConfigurations/${fe(lb)}$`));
        expect(rule.backendAddressPool.id).toMatch(new RegExp(`${lbPath}/backendAddressPools/${lb.backendAddressPools[0].name}$`));
        expect(rule.probe.id).toMatch(new RegExp(`${lbPath}/probes/${lb.probes[0].name}$`));
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("GlusterVolumes (%s): bricks, NICs and VMs", (env, get) => {
    const prodEnv = env === "prod";
    const zoneOf = (i: number) => (prodEnv ? [String(i + 1)] : undefined);

    test("brick disks: Premium_LRS, one per zone when zoned, locked down, protected only in production", () => {
        get()
            .of(TYPE.Disk)
            .forEach((d, i) => {
                expect(d.name).toBe(`${env}-brick-${i}`); // pinned in tests/stateful/staging.json
                expect(d.inputs).toMatchObject({
                    diskName: `disk-pachlab-${env}-gfs${i}-brick`,
                    sku: { name: "Premium_LRS" },
                    diskSizeGB: 256,
                    creationData: { createOption: "Empty" },
                    networkAccessPolicy: "DenyAll",
                    publicNetworkAccess: "Disabled",
                    encryption: { type: "EncryptionAtRestWithPlatformKey" },
                });
                expect(d.inputs.zones).toEqual(zoneOf(i));
                expect({ protect: d.protect, retainOnDelete: d.retainOnDelete }).toEqual({ protect: prodEnv, retainOnDelete: prodEnv });
                expect({ deletedWith: d.deletedWith, roc: d.replaceOnChanges, dbr: d.deleteBeforeReplace }).toEqual({
                    deletedWith: "",
                    roc: [],
                    dbr: false,
                });
            });
        expect(get().of(TYPE.ManagementLockByScope)).toHaveLength(prodEnv ? 3 : 0);
        get()
            .of(TYPE.ManagementLockByScope)
            .forEach((l, i) => {
                expect(l.inputs.level).toBe("CanNotDelete");
                expect(dependsOn(l, get().get(TYPE.Disk, `brick-${i}`))).toBe(true);
            });
    });

    test("NICs: static node IP, no public IP, in the ILB pool (and the outbound pool when given)", () => {
        get()
            .of(TYPE.NetworkInterface)
            .forEach((nic, i) => {
                expect(nic.inputs.ipConfigurations).toHaveLength(1);
                const ipc = nic.inputs.ipConfigurations[0];
                expect(ipc).toMatchObject({ privateIPAllocationMethod: "Static", privateIPAddress: NODE_IPS[i], subnet: { id: SUBNET } });
                expect(ipc.publicIPAddress).toBeUndefined();
                const pools = ipc.loadBalancerBackendAddressPools.map((p: { id: string }) => p.id);
                expect(pools[0]).toMatch(/\/loadBalancers\/lbi-pachlab-[a-z]+-gfs\/backendAddressPools\/gluster$/);
                expect(pools.slice(1)).toEqual(prodEnv ? [OUTBOUND_POOL] : []);
            });
    });

    test("VMs: Ubuntu 24.04 Trusted Launch, encryption at host, SSH key only, no public IP, zone i+1 when zoned", () => {
        get()
            .of(TYPE.VirtualMachine)
            .forEach((vm, i) => {
                const v = vm.inputs;
                expect(v.storageProfile.imageReference).toMatchObject({ publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" });
                expect(v.securityProfile).toMatchObject({
                    encryptionAtHost: true,
                    securityType: "TrustedLaunch",
                    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
                });
                expect(v.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
                expect(v.osProfile.linuxConfiguration.ssh.publicKeys).toEqual([
                    { path: "/home/labadmin/.ssh/authorized_keys", keyData: SSH_KEY },
                ]);
                expect(v.osProfile.adminPassword).toBeUndefined();
                expect(v.zones).toEqual(zoneOf(i));
                expect(v.networkProfile.networkInterfaces).toEqual([expect.objectContaining({ primary: true })]);
                expect(v.networkProfile.networkInterfaceConfigurations).toBeUndefined();
                expect(dependsOn(vm, get().get(TYPE.NetworkInterface, `nic-${i}`))).toBe(true);
            });
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("GlusterVolumes (%s): node replacement and bootstrap", (_env, get) => {
    test("VMs: brick attached at LUN 0 and only detached with the VM; the OS disk goes with it", async () => {
        for (const [i, vm] of get().of(TYPE.VirtualMachine).entries()) {
            const sp = vm.inputs.storageProfile;
            expect(sp.osDisk).toMatchObject({ createOption: "FromImage", deleteOption: "Delete" });
            expect(sp.dataDisks).toHaveLength(1);
            expect(sp.dataDisks[0]).toMatchObject({ lun: 0, createOption: "Attach", deleteOption: "Detach" });
            expect(sp.dataDisks[0].managedDisk.id).toBe(await valueOf(must(get().comp.brickDisks[i], "brick disk").id));
            expect(dependsOn(vm, get().get(TYPE.Disk, `brick-${i}`))).toBe(true);
        }
    });

    test("VMs: a user-data change never replaces all three nodes at once; replacements delete first", () => {
        for (const vm of get().of(TYPE.VirtualMachine)) {
            expect(vm.ignoreChanges).toEqual(["osProfile.customData"]);
            expect(vm.replaceOnChanges).toEqual([]);
            expect(vm.deleteBeforeReplace).toBe(true);
            expect(vm.protect).toBe(false);
        }
    });

    test("user-data decodes to cloud-config carrying the bootstrap and this node's index", () => {
        get()
            .of(TYPE.VirtualMachine)
            .forEach((vm, i) => {
                const text = decode(vm);
                expect(text.startsWith("#cloud-config\n")).toBe(true);
                const doc = parse(text) as { write_files: { path: string; content: string }[]; packages: string[] };
                const files = Object.fromEntries(doc.write_files.map((f) => [f.path, f.content]));
                expect(files[BOOTSTRAP_PATH]).toMatch(/^#!\/usr\/bin\/env bash\n/);
                expect(files[ENV_PATH]).toContain(`GLUSTER_NODE_INDEX="${i}"`);
                expect(files[ENV_PATH]).toContain(`GLUSTER_NODE_IPS="${NODE_IPS.join(" ")}"`);
                expect(files[ENV_PATH]).toContain(`GLUSTER_BRICK_DEVICE="${BRICK_DEVICE}"`);
                expect(files[ENV_PATH]).toContain('GLUSTER_VOLUME="pachmeta"');
                expect(files[ENV_PATH]).toContain('GLUSTER_ENABLE_GANESHA="1"');
                expect(doc.packages).toEqual(expect.arrayContaining(["glusterfs-server", "nfs-ganesha", "nfs-ganesha-gluster"]));
            });
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("GlusterVolumes (%s): PersistentVolumes and outputs", (env, get) => {
    const prodEnv = env === "prod";

    test("PVs: nfs on the LB address, Retain, RWO, no class, pre-bound to the claims of names.ts", () => {
        const etcd = prodEnv ? 3 : 1;
        const pvs = get().of(TYPE.PersistentVolume);
        const keys = [...Array.from({ length: etcd }, (_, i) => `etcd-${i}`), "postgres-0"];
        expect(pvs.map((p) => p.name)).toEqual(keys.map((k) => `${env}-pv-${k}`)); // pinned in tests/stateful/staging.json
        expect(pvs.map((p) => p.inputs.spec.claimRef)).toEqual(
            metadataClaimNames(etcd, true).map((name) => ({ namespace: "pachyderm", name })),
        );
        pvs.forEach((p, j) => {
            const s = p.inputs.spec;
            expect(s.nfs).toEqual({ server: CLIENT_IP, path: `/pachmeta/${keys[j]}` });
            expect(s).toMatchObject({
                persistentVolumeReclaimPolicy: "Retain",
                accessModes: ["ReadWriteOnce"],
                storageClassName: "",
                mountOptions: NFS_MOUNT_OPTIONS,
            });
            expect(s.mountOptions).toEqual(["nfsvers=4.1", "hard", "timeo=600", "retrans=3"]);
            expect(s.capacity).toEqual({ storage: must(keys[j], "volume key").startsWith("etcd") ? "64Gi" : "32Gi" });
            expect(s.csi).toBeUndefined();
            expect(p.protect).toBe(prodEnv);
            expect(
                get()
                    .of(TYPE.VirtualMachine)
                    .every((vm) => dependsOn(p, vm)),
            ).toBe(true);
        });
    });

    test("PVs go through the Kubernetes provider given to the component", () => {
        for (const p of get().of(TYPE.PersistentVolume)) expect(p.provider).toMatch(new RegExp(`::${env}-k8s::`));
    });

    test("outputs: kind, address, volume names, VM and brick ids", async () => {
        const c = get().comp;
        expect(await valueOf(c.address)).toBe(CLIENT_IP);
        expect(await Promise.all(c.etcdVolumeNames.map(valueOf))).toEqual(
            Array.from({ length: prodEnv ? 3 : 1 }, (_, i) => `pv-pachlab-${env}-etcd-${i}`),
        );
        expect(await valueOf(c.postgresVolumeName)).toBe(`pv-pachlab-${env}-postgres-0`);
        expect(c.persistentVolumes).toHaveLength(prodEnv ? 4 : 2);
        expect(await Promise.all(c.vmIds.map(valueOf))).toEqual(
            [0, 1, 2].map((i) => expect.stringMatching(new RegExp(`/virtualMachines/vm-pachlab-${env}-gfs${i}$`))),
        );
        expect(await Promise.all(c.brickDiskIds.map(valueOf))).toEqual(
            [0, 1, 2].map((i) => expect.stringMatching(new RegExp(`/disks/disk-pachlab-${env}-gfs${i}-brick$`))),
        );
    });
});

function fe(lb: Record<string, JsonValue>): string {
    return lb.frontendIPConfigurations[0].name;
}

describe("GlusterVolumes without in-cluster PostgreSQL", () => {
    test("no postgres PV, no postgresVolumeName", async () => {
        const b = await build("nopg", args("dev", { postgresInCluster: false }));
        expect(b.comp.postgresVolumeName).toBeUndefined();
        expect(b.of(TYPE.PersistentVolume).map((p) => p.inputs.spec.claimRef.name)).toEqual(metadataClaimNames(1, false));
    });
});

describe("GlusterVolumes refuses node addresses config never derives", () => {
    test.each([
        ["two node IPs", { nodeIps: NODE_IPS.slice(0, 2) }],
        ["duplicate node IPs", { nodeIps: [NODE_IPS[0], NODE_IPS[0], NODE_IPS[1]] }],
        ["clientIp = a node IP", { clientIp: NODE_IPS[1] }],
    ] as const)("%s", (what, over) => {
        const before = captured.length;
        expect(() => new GlusterVolumes(`bad-${what.replace(/\W+/g, "-")}`, args("prod", over as Partial<Args>))).toThrow(
            /3 distinct nodeIps and a clientIp apart from them/,
        );
        expect(captured.length).toBe(before); // nothing registered
    });
});
