import pachctlPins from "../../lib/cloudinit/pachctl.json";
import { SSH_NAT_FRONTEND_PORT } from "../../lib/config/schema";
import { MOCK_SUBSCRIPTION_ID } from "../../planner/mocks";
import { Captured, captureResources, evaluateComponent, ofType, one, settle, TYPE, valueOf, WORKSPACE_ID } from "../helpers/mockHarness";
import type { JsonValue } from "../../lib/json";

const captured = captureResources();

// Required after the mocks are installed, so that the component's resources register against them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ingress = require("../../components/ingressVm") as typeof import("../../components/ingressVm");
const {
    IngressVm,
    ingressDnsLabel,
    supportsAcceleratedNetworking,
    INGRESS_OUTBOUND_PORTS,
    DATA_OUTBOUND_PORTS,
    MAX_OUTBOUND_DATA_INSTANCES,
} = ingress;
type Args = import("../../components/ingressVm").IngressVmArgs;

const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN6WeEbia+b+zrYWQhs1CaP4kpMCmHzMgOiBbS6r2OwD labadmin@example";
const PACHD_IP = "10.40.0.250";

function args(env: "dev" | "prod", over: Partial<Args> = {}): Args {
    const prod = env === "prod";
    const rg = `rg-pachlab-${env}`;
    return {
        names: { prefix: "pachlab", stack: env, location: "westeurope" },
        resourceGroupName: rg,
        location: "westeurope",
        tags: { environment: env, project: "pachlab", owner: "lab", "cost-center": "cc1" },
        zones: prod ? ["1", "2", "3"] : [],
        subnetId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/vnet-pachlab-${env}/subnets/snet-pachlab-${env}-ingress`,
        vmPrivateIp: "10.40.16.4",
        vmSize: prod ? "Standard_D2s_v5" : "Standard_B2s",
        adminUsername: "labadmin",
        sshPublicKey: SSH_KEY,
        // dev: SSH from the lab's range; prod: no SSH at all.
        adminSourceCidrs: prod ? [] : ["198.51.100.0/24"],
        ports: prod ? [443, 8443] : [443],
        idleTimeoutMinutes: prod ? 30 : 15,
        encryptionAtHost: prod,
        pachydermVersion: "2.12.2",
        pachdInternalIp: PACHD_IP,
        extraOutboundBackendPool: prod,
        ...(prod ? { diagnostics: { workspaceId: WORKSPACE_ID } } : {}),
        ...over,
    };
}

interface Built {
    comp: InstanceType<typeof IngressVm>;
    args: Args;
    of: (type: string) => Captured[];
    get: (type: string, suffix: string) => Captured;
}

async function build(name: string, a: Args): Promise<Built> {
    const comp = new IngressVm(name, a);
    await settle(
        comp.publicIp,
        comp.fqdn,
        comp.sshCommand,
        comp.vmId,
        comp.identityPrincipalId,
        comp.loadBalancerId,
        comp.outboundDataPoolId,
    );
    return { comp, args: a, of: (type) => ofType(captured, type, name), get: (type, suffix) => one(captured, type, `${name}-${suffix}`) };
}

let dev: Built;
let prod: Built;

beforeAll(async () => {
    dev = await build("dev", args("dev"));
    prod = await build("prod", args("prod"));
});

const lbIdOf = (env: string) =>
    `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-pachlab-${env}/providers/Microsoft.Network/loadBalancers/lbe-pachlab-${env}-ingress`;

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("IngressVm (%s)", (env, get) => {
    const prodEnv = env === "prod";
    const lbId = lbIdOf(env);

    test(`load balancer health events and metrics to Log Analytics ${prodEnv ? "" : "only when asked"}`, () => {
        expect(get().of(TYPE.DiagnosticSetting)).toHaveLength(prodEnv ? 1 : 0);
        if (!prodEnv) return;
        const d = get().get(TYPE.DiagnosticSetting, "lb-diag");
        expect(d.inputs).toMatchObject({
            resourceUri: lbId,
            workspaceId: WORKSPACE_ID,
            logs: [{ categoryGroup: "allLogs", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        });
    });

    test("the policy pack passes it: rules 25 (SSH key only, encryption at host), 26 (no public IP but the LB's), 27", async () => {
        // The pack is told the stack's public ports, as an operator configures it (docs/policy.md).
        const verdict = await evaluateComponent(captured, env, { "public-lb-standard-zonal": { allowedPublicPorts: get().args.ports } });
        expect(verdict.violations).toEqual([]);
        expect(verdict.passed).toEqual(
            expect.arrayContaining(["vm-linux-ssh-key-only", "no-public-ip-except-lb", "public-lb-standard-zonal", "arm-resource-names"]),
        );
    });

    test(`VM: the admin's key, encryption at host ${prodEnv ? "on" : "off"} as asked, zone ${prodEnv ? "1" : "none"}`, () => {
        const vm = get().get(TYPE.VirtualMachine, "vm").inputs;
        expect(vm.osProfile.linuxConfiguration.ssh.publicKeys).toEqual([{ path: "/home/labadmin/.ssh/authorized_keys", keyData: SSH_KEY }]);
        expect(vm.securityProfile.encryptionAtHost).toBe(prodEnv);
        expect(vm.zones).toEqual(prodEnv ? ["1"] : undefined);
    });

    test("VM identity is the user-assigned identity id-<prefix>-<stack>-ingress", async () => {
        const id = get().get(TYPE.UserAssignedIdentity, "identity");
        expect(id.inputs.resourceName).toBe(`id-pachlab-${env}-ingress`);
        const vm = get().get(TYPE.VirtualMachine, "vm").inputs;
        expect(vm.identity.type).toBe("UserAssigned");
        expect(vm.identity.userAssignedIdentities).toEqual([await valueOf(get().comp.identityId)]);
        expect(await valueOf(get().comp.identityPrincipalId)).toMatch(/^[0-9a-f-]{36}$/);
        expect(await valueOf(get().comp.identityClientId)).toMatch(/^[0-9a-f-]{36}$/);
    });

    test("rule 26: the NIC has a static private IP and no public IP", () => {
        const nic = get().get(TYPE.NetworkInterface, "nic").inputs;
        expect(nic.ipConfigurations).toHaveLength(1);
        const ipc = nic.ipConfigurations[0];
        expect(ipc.publicIPAddress).toBeUndefined();
        expect(ipc.privateIPAllocationMethod).toBe("Static");
        expect(ipc.privateIPAddress).toBe("10.40.16.4");
        expect(ipc.subnet).toEqual({ id: get().args.subnetId });
        expect(ipc.loadBalancerBackendAddressPools).toEqual([{ id: `${lbId}/backendAddressPools/ingress` }]);
        expect(nic.networkSecurityGroup).toBeUndefined();
        expect(nic.enableAcceleratedNetworking).toBe(prodEnv); // B2s (dev) does not support it
        const vm = get().get(TYPE.VirtualMachine, "vm").inputs;
        // Detach: the NIC is Pulumi's own resource; Azure must not delete it when the VM is replaced.
        expect(vm.networkProfile.networkInterfaces).toEqual([
            { id: expect.stringMatching(/\/networkInterfaces\/nic-pachlab-\w+-ingress$/), primary: true, deleteOption: "Detach" },
        ]);
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("IngressVm (%s): public IP and load balancer rules", (env, get) => {
    const prodEnv = env === "prod";
    const lbId = lbIdOf(env);

    test(`public IP: zone-redundant ${prodEnv ? "with zones" : "— no zones"}, DNS label derived, idle timeout capped at 30`, () => {
        const pip = get().get(TYPE.PublicIPAddress, "pip").inputs;
        expect(pip.zones).toEqual(prodEnv ? ["1", "2", "3"] : undefined);
        expect(pip.dnsSettings).toEqual({ domainNameLabel: ingressDnsLabel(get().args.names) });
        expect(pip.idleTimeoutInMinutes).toBe(Math.min(get().args.idleTimeoutMinutes, 30));
    });

    test("rule 27: one TCP rule per configured port, each with an existing probe; nothing else exposed", () => {
        const lb = get().get(TYPE.LoadBalancer, "lb").inputs;
        const ports = get().args.ports;
        const rules: JsonValue[] = lb.loadBalancingRules;
        expect(rules.map((r) => r.frontendPort).sort()).toEqual([...ports].sort());
        const probeIds = new Set((lb.probes as JsonValue[]).map((p) => `${lbId}/probes/${p.name}`));
        for (const r of rules) {
            expect(r.protocol).toBe("Tcp");
            expect(r.backendPort).toBe(r.frontendPort);
            expect(r.probe?.id).toBeDefined();
            expect(probeIds.has(r.probe.id)).toBe(true);
            const probe = (lb.probes as JsonValue[]).find((p) => r.probe.id.endsWith(`/probes/${p.name}`));
            expect(probe).toMatchObject({ protocol: "Tcp", port: r.backendPort });
            expect(r.frontendIPConfiguration).toEqual({ id: `${lbId}/frontendIPConfigurations/frontend` });
            expect(r.backendAddressPool).toEqual({ id: `${lbId}/backendAddressPools/ingress` });
            expect(r.idleTimeoutInMinutes).toBe(get().args.idleTimeoutMinutes);
            expect(r.enableTcpReset).toBe(true);
            expect(r.disableOutboundSnat).toBe(true);
        }
        // Inbound exposure = LB rule ports + the NAT rule's frontend port (dev only), nothing else.
        const exposed = [...rules.map((r) => r.frontendPort), ...(lb.inboundNatRules as JsonValue[]).map((r) => r.frontendPort)];
        expect(exposed.sort()).toEqual([...ports, ...(prodEnv ? [] : [SSH_NAT_FRONTEND_PORT])].sort());
        expect(lb.inboundNatPools).toBeUndefined();
    });

    test("rule 23: SSH NAT rule (→ 22) only when admin CIDRs are set", () => {
        const lb = get().get(TYPE.LoadBalancer, "lb").inputs;
        const nic = get().get(TYPE.NetworkInterface, "nic").inputs;
        if (prodEnv) {
            expect(lb.inboundNatRules).toEqual([]);
            expect(nic.ipConfigurations[0].loadBalancerInboundNatRules).toEqual([]);
        } else {
            expect(lb.inboundNatRules).toEqual([
                expect.objectContaining({
                    name: "ssh",
                    protocol: "Tcp",
                    frontendPort: SSH_NAT_FRONTEND_PORT,
                    backendPort: 22,
                    frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/frontend` },
                }),
            ]);
            expect(nic.ipConfigurations[0].loadBalancerInboundNatRules).toEqual([{ id: `${lbId}/inboundNatRules/ssh` }]);
        }
        // Port 22 is never a load-balanced (internet-facing) port.
        expect((lb.loadBalancingRules as JsonValue[]).some((r) => r.frontendPort === 22 || r.backendPort === 22)).toBe(false);
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("IngressVm (%s): outbound, bootstrap, replacement, outputs, names", (env, get) => {
    const prodEnv = env === "prod";
    const lbId = lbIdOf(env);

    test("outbound: explicit outbound rule for the ingress pool; outbound-data pool only when requested", async () => {
        const lb = get().get(TYPE.LoadBalancer, "lb").inputs;
        const pools = (lb.backendAddressPools as JsonValue[]).map((p) => p.name);
        const rules: JsonValue[] = lb.outboundRules;
        expect(rules[0]).toMatchObject({
            name: "outbound-ingress",
            protocol: "All",
            allocatedOutboundPorts: INGRESS_OUTBOUND_PORTS,
            enableTcpReset: true,
            backendAddressPool: { id: `${lbId}/backendAddressPools/ingress` },
            frontendIPConfigurations: [{ id: `${lbId}/frontendIPConfigurations/frontend` }],
        });
        for (const r of rules) expect(r.allocatedOutboundPorts % 8).toBe(0);
        if (prodEnv) {
            expect(pools).toEqual(["ingress", "outbound-data"]);
            expect(rules[1]).toMatchObject({
                name: "outbound-data",
                allocatedOutboundPorts: DATA_OUTBOUND_PORTS,
                backendAddressPool: { id: `${lbId}/backendAddressPools/outbound-data` },
                frontendIPConfigurations: [{ id: `${lbId}/frontendIPConfigurations/frontend` }],
            });
            expect(await valueOf(get().comp.outboundDataPoolId)).toBe(`${lbId}/backendAddressPools/outbound-data`);
        } else {
            expect(pools).toEqual(["ingress"]);
            expect(rules).toHaveLength(1);
            expect(get().comp.outboundDataPoolId).toBeUndefined();
        }
    });

    test("user-data decodes to cloud-config with the pachd address and the pinned pachctl checksum", () => {
        const custom = get().get(TYPE.VirtualMachine, "vm").inputs.osProfile.customData as string;
        expect(custom).toMatch(/^[A-Za-z0-9+/]+=*$/);
        const text = Buffer.from(custom, "base64").toString("utf8");
        expect(text.startsWith("#cloud-config\n")).toBe(true);
        expect(text).toContain(`grpc://${PACHD_IP}:30650`);
        expect(text).toContain(pachctlPins.assets.linux_amd64.sha256);
        expect(text).toContain(pachctlPins.assets.linux_amd64.url);
        expect(text).toContain("/home/labadmin/.pachyderm/config.json");
    });

    test("VM replacement: osProfile changes replace, deleting first (name and NIC are unique)", () => {
        const vm = get().get(TYPE.VirtualMachine, "vm");
        expect(vm.replaceOnChanges).toContain("osProfile");
        expect(vm.deleteBeforeReplace).toBe(true);
        expect(vm.protect).toBe(false);
    });
});

describe.each([
    ["dev", () => dev],
    ["prod", () => prod],
] as const)("IngressVm (%s): outputs, names and tags", (env, get) => {
    const prodEnv = env === "prod";
    const lbId = lbIdOf(env);

    test("outputs: public IP, FQDN, SSH command (null without SSH), pachd address, ids", async () => {
        const c = get().comp;
        const label = ingressDnsLabel(get().args.names);
        expect(await valueOf(c.publicIp)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(await valueOf(c.fqdn)).toBe(`${label}.westeurope.cloudapp.azure.com`);
        expect(await valueOf(c.sshCommand)).toBe(prodEnv ? null : `ssh -p 50022 labadmin@${label}.westeurope.cloudapp.azure.com`);
        expect(await valueOf(c.pachdAddress)).toBe(`grpc://${PACHD_IP}:30650`);
        expect(await valueOf(c.loadBalancerId)).toBe(lbId);
        expect(await valueOf(c.vmId)).toMatch(new RegExp(`/virtualMachines/vm-pachlab-${env}-ingress$`));
        expect(await valueOf(c.vmName)).toBe(`vm-pachlab-${env}-ingress`);
    });

    test("CAF names and tags on every resource", () => {
        const names = Object.fromEntries(
            get()
                .of(TYPE.PublicIPAddress)
                .concat(
                    get().of(TYPE.LoadBalancer),
                    get().of(TYPE.NetworkInterface),
                    get().of(TYPE.VirtualMachine),
                    get().of(TYPE.UserAssignedIdentity),
                )
                .map((c) => [
                    c.type.split(":")[2],
                    c.inputs.publicIpAddressName ??
                        c.inputs.loadBalancerName ??
                        c.inputs.networkInterfaceName ??
                        c.inputs.vmName ??
                        c.inputs.resourceName,
                ]),
        );
        expect(names).toEqual({
            PublicIPAddress: `pip-pachlab-${env}-ingress`,
            LoadBalancer: `lbe-pachlab-${env}-ingress`,
            NetworkInterface: `nic-pachlab-${env}-ingress`,
            VirtualMachine: `vm-pachlab-${env}-ingress`,
            UserAssignedIdentity: `id-pachlab-${env}-ingress`,
        });
        // A diagnostic setting is an extension resource: it has no tags of its own.
        for (const t of [TYPE.UserAssignedIdentity, TYPE.PublicIPAddress, TYPE.LoadBalancer, TYPE.NetworkInterface, TYPE.VirtualMachine]) {
            for (const c of get().of(t)) expect(c.inputs.tags).toEqual(get().args.tags);
        }
    });
});

describe("IngressVm helpers and validation", () => {
    test("DNS label: globalName style, valid Azure label, stable", () => {
        const label = ingressDnsLabel({ prefix: "pachlab", stack: "prod", location: "westeurope" });
        expect(label).toMatch(/^pip-pachlab-prod-[0-9a-f]{6}$/);
        expect(ingressDnsLabel({ prefix: "pachlab", stack: "prod", location: "westeurope" })).toBe(label);
        expect(ingressDnsLabel({ prefix: "pachlab", stack: "dev", location: "westeurope" })).not.toBe(label);
    });

    test("accelerated networking: never on B- or A-series or 1 vCPU", () => {
        expect(supportsAcceleratedNetworking("Standard_B2s")).toBe(false);
        expect(supportsAcceleratedNetworking("Standard_B2als_v2")).toBe(false);
        expect(supportsAcceleratedNetworking("Standard_A2_v2")).toBe(false);
        expect(supportsAcceleratedNetworking("Standard_DS1_v2")).toBe(false);
        expect(supportsAcceleratedNetworking("Standard_D2s_v5")).toBe(true);
        expect(supportsAcceleratedNetworking("Standard_D4ads_v5")).toBe(true);
    });

    test("outbound capacity: the two outbound rules fit in one frontend IP's 64,000 SNAT ports", () => {
        expect(MAX_OUTBOUND_DATA_INSTANCES).toBeGreaterThanOrEqual(3);
        expect(INGRESS_OUTBOUND_PORTS + MAX_OUTBOUND_DATA_INSTANCES * DATA_OUTBOUND_PORTS).toBeLessThanOrEqual(64000);
    });

    // Config refuses both first (pachydermVersion, adminUsername); the cloud-init renderer refuses them again.
    test.each([
        ["unpinned pachctl", { pachydermVersion: "2.12.3" }, /pachctlVersion/],
        ["reserved admin user", { adminUsername: "root" }, /adminUsername/],
    ] as const)("refuses %s before registering anything", (_what, over, message) => {
        const before = captured.length;
        expect(() => new IngressVm(`bad-${captured.length}`, args("dev", over as Partial<Args>))).toThrow(message);
        expect(captured.length).toBe(before);
    });
});
