import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as devtestlab from "@pulumi/azure-native/devtestlab";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import { DEFAULT_GRPC_PORT, renderIngressUserData } from "../lib/cloudinit/ingress";
import { SSH_NAT_FRONTEND_PORT } from "../lib/config/schema";
import { globalName, NameContext, PlacementArgs, resourceName } from "../lib/naming";
import { DiagnosticsArgs, diagnosticSetting } from "./azure/diagnostics";
import { linuxVirtualMachine } from "./azure/linuxVm";
import { LoadBalancerChildKind, loadBalancerChildIds } from "./azure/loadBalancer";

/** Backend pool of the ingress VM (load-balancing rules, SSH NAT rule, its outbound rule). */
export const INGRESS_POOL = "ingress";
/** Backend pool that only gives egress (apt, package mirrors) to VMs without a public IP, e.g. the GlusterFS nodes. */
export const OUTBOUND_DATA_POOL = "outbound-data";
/** SNAT ports per instance of the ingress pool (one VM: apt, GitHub for the pinned pachctl, Azure endpoints). */
export const INGRESS_OUTBOUND_PORTS = 8000;
/** SNAT ports per instance of the `outbound-data` pool. */
export const DATA_OUTBOUND_PORTS = 4000;
/** SNAT ports one frontend IP offers; both outbound rules draw from this single IP. */
const PORTS_PER_FRONTEND_IP = 64000;
/** How many VMs the `outbound-data` pool can hold before Azure refuses to allocate their SNAT ports. */
export const MAX_OUTBOUND_DATA_INSTANCES = Math.floor((PORTS_PER_FRONTEND_IP - INGRESS_OUTBOUND_PORTS) / DATA_OUTBOUND_PORTS);

const FRONTEND = "frontend";
const SSH_NAT_RULE = "ssh";
const OUTBOUND_INGRESS_RULE = "outbound-ingress";
const OUTBOUND_DATA_RULE = "outbound-data";
/** Azure's limit on a public IP's idle timeout (4-30 minutes; load-balancer rules take 4-100). */
const PIP_IDLE_MAX = 30;

export interface IngressVmArgs extends PlacementArgs {
    /** The ingress subnet (its NSG mirrors `ports` and SSH from `adminSourceCidrs` to `vmPrivateIp`). */
    subnetId: pulumi.Input<string>;
    /** Static private IP of the VM inside the ingress subnet (the NSG's destination). */
    vmPrivateIp: string;
    vmSize: string;
    adminUsername: string;
    sshPublicKey: string;
    /** Sources allowed to SSH; [] = no SSH NAT rule at all. */
    adminSourceCidrs: string[];
    /** Internet-facing TCP ports: one probe and one load-balancing rule each, nothing else is exposed. */
    ports: number[];
    /** TCP idle timeout of the load-balancing, NAT and outbound rules (4-30: config's range, pachd's internal LB's limit). */
    idleTimeoutMinutes: number;
    encryptionAtHost: boolean;
    /** Pachyderm release; pachctl of the same version is installed by cloud-init (pinned checksum). */
    pachydermVersion: string;
    /** pachd's internal load balancer IP. */
    pachdInternalIp: string;
    /** Also create the `outbound-data` backend pool + outbound rule (egress for the GlusterFS VMs through the same IP). */
    extraOutboundBackendPool?: boolean;
    /** Public load balancer logs and metrics to Log Analytics. */
    diagnostics?: DiagnosticsArgs;
    /** Stop (deallocate) the VM every day at `time` (HHMM) in `timeZone` (a Windows time zone id); starting it is manual. */
    shutdown?: { time: string; timeZone: string };
}

/**
 * `pip-<prefix>-<stack>-<hash>`: the public IP's DNS label, unique per deployment (`<label>.<region>.cloudapp.azure.com`).
 * A valid label (3-63 lowercase letters, digits, hyphens) because config refuses prefixes and stack names that are not.
 */
export function ingressDnsLabel(names: NameContext): string {
    return globalName("pip", names);
}

/** Where the ingress VM's resources go. */
function placementOf(args: IngressVmArgs) {
    return { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
}

/** An outbound rule of the ingress load balancer: SNAT for `pool` through the frontend IP. */
function outboundRule(
    name: string,
    frontend: { id: pulumi.Input<string> },
    pool: { id: pulumi.Input<string> },
    ports: number,
    idle: number,
) {
    return {
        name,
        protocol: "All",
        frontendIPConfigurations: [frontend],
        backendAddressPool: pool,
        allocatedOutboundPorts: ports,
        idleTimeoutInMinutes: idle,
        enableTcpReset: true,
    };
}

/**
 * Whether a VM size supports accelerated networking. Conservative: B-series (burstable) and A-series
 * are treated as unsupported, as are 1-vCPU sizes; Azure refuses NIC creation/attachment otherwise.
 */
export function supportsAcceleratedNetworking(vmSize: string): boolean {
    const [, family, vcpus] = /^Standard_([A-Z]+)(\d+)/i.exec(vmSize) ?? [];
    if (family === undefined || vcpus === undefined) return false;
    if (/^[AB]/i.test(family)) return false;
    return Number(vcpus) >= 2;
}

/**
 * The ingress VM the lab's uploaders use to reach pachd, behind a Standard public load balancer whose
 * frontend is the deployment's only public IP: load-balancing rules for the configured ports, an SSH NAT
 * rule only when admin CIDRs are configured, and explicit outbound rules (the subnets have no default
 * outbound access). The VM holds no data: it can be replaced at any time. A VM and an Azure load balancer,
 * not a Kubernetes Ingress: nothing here runs in the cluster.
 *
 * The type token keeps the class's first name, `Ingress`: it is part of the URN of every child, and the
 * data-loss guard follows aliases only on the resource itself, so renaming it would read as a replacement.
 */
export class IngressVm extends pulumi.ComponentResource {
    public readonly identity: managedidentity.UserAssignedIdentity;
    public readonly publicIpAddress: network.PublicIPAddress;
    public readonly loadBalancer: network.LoadBalancer;
    public readonly nic: network.NetworkInterface;
    public readonly vm: compute.VirtualMachine;

    /** Public IPv4 of the load balancer frontend. */
    public readonly publicIp: pulumi.Output<string>;
    /** `<label>.<region>.cloudapp.azure.com`. */
    public readonly fqdn: pulumi.Output<string>;
    /** `ssh -p 50022 <user>@<fqdn>` when SSH is enabled, else null. */
    public readonly sshCommand: pulumi.Output<string | null>;
    /** `grpc://<pachd internal LB IP>:30650`, what cloud-init configured pachctl with. */
    public readonly pachdAddress: pulumi.Output<string>;
    /** ARM resource id of the VM. */
    public readonly vmId: pulumi.Output<string>;
    public readonly vmName: pulumi.Output<string>;
    public readonly identityId: pulumi.Output<string>;
    public readonly identityPrincipalId: pulumi.Output<string>;
    public readonly identityClientId: pulumi.Output<string>;
    public readonly loadBalancerId: pulumi.Output<string>;
    /** Backend pool id for the GlusterFS NICs' `loadBalancerBackendAddressPools`; undefined unless requested. */
    public readonly outboundDataPoolId: pulumi.Output<string> | undefined;

    constructor(name: string, args: IngressVmArgs, opts?: pulumi.ComponentResourceOptions) {
        const n = args.names;
        const grpcPort = DEFAULT_GRPC_PORT;
        // Before super: the renderer refuses (naming the field) a version without a pinned checksum, a bad IP or a
        // reserved user, which config already refused; a direct caller's bad input then registers nothing.
        const userData = renderIngressUserData({
            pachctlVersion: args.pachydermVersion,
            pachdInternalIp: args.pachdInternalIp,
            grpcPort,
            adminUsername: args.adminUsername,
        });
        super("pachyderm-azure:ingress:Ingress", name, {}, opts);
        const sshEnabled = args.adminSourceCidrs.length > 0;
        this.identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            { ...placementOf(args), resourceName: resourceName("id", n, "ingress") },
            { parent: this },
        );

        this.publicIpAddress = this.createPublicIp(name, args);
        this.loadBalancer = this.createLoadBalancer(name, args);
        this.nic = this.createNic(name, args);
        this.vm = this.createVm(name, args, userData);
        if (args.diagnostics)
            diagnosticSetting(`${name}-lb-diag`, this, "Microsoft.Network/loadBalancers", this.loadBalancer.id, args.diagnostics);
        if (args.shutdown) this.createShutdown(name, args, args.shutdown);

        this.publicIp = this.publicIpAddress.ipAddress.apply((ip) => ip ?? "");
        this.fqdn = this.publicIpAddress.dnsSettings.apply((d) => d?.fqdn ?? "");
        this.sshCommand = sshEnabled
            ? pulumi.interpolate`ssh -p ${SSH_NAT_FRONTEND_PORT} ${args.adminUsername}@${this.fqdn}`
            : pulumi.output<string | null>(null);
        this.pachdAddress = pulumi.output(`grpc://${args.pachdInternalIp}:${grpcPort}`);
        this.vmId = this.vm.id;
        this.vmName = this.vm.name;
        this.identityId = this.identity.id;
        this.identityPrincipalId = this.identity.principalId;
        this.identityClientId = this.identity.clientId;
        this.loadBalancerId = this.loadBalancer.id;
        this.outboundDataPoolId = args.extraOutboundBackendPool ? this.lbChildId("backendAddressPools", OUTBOUND_DATA_POOL) : undefined;

        this.registerOutputs({
            publicIp: this.publicIp,
            fqdn: this.fqdn,
            sshCommand: this.sshCommand,
            pachdAddress: this.pachdAddress,
            vmId: this.vmId,
            vmName: this.vmName,
            identityId: this.identityId,
            identityPrincipalId: this.identityPrincipalId,
            identityClientId: this.identityClientId,
            loadBalancerId: this.loadBalancerId,
            outboundDataPoolId: this.outboundDataPoolId,
        });
    }

    private createPublicIp(name: string, args: IngressVmArgs): network.PublicIPAddress {
        const n = args.names;
        const common = placementOf(args);
        return new network.PublicIPAddress(
            `${name}-pip`,
            {
                ...common,
                publicIpAddressName: resourceName("pip", n, "ingress"),
                sku: { name: "Standard", tier: "Regional" },
                publicIPAllocationMethod: "Static",
                publicIPAddressVersion: "IPv4",
                // Zone-redundant in production; a zone list cannot be changed later without replacing the IP.
                zones: args.zones.length > 0 ? ["1", "2", "3"] : undefined,
                dnsSettings: { domainNameLabel: ingressDnsLabel(n) },
                idleTimeoutInMinutes: Math.min(args.idleTimeoutMinutes, PIP_IDLE_MAX),
            },
            { parent: this },
        );
    }

    /** Load-balancing rules for `ports`, the SSH NAT rule when admins may connect, explicit outbound rules. */
    private createLoadBalancer(name: string, args: IngressVmArgs): network.LoadBalancer {
        const sshEnabled = args.adminSourceCidrs.length > 0;
        // Sub-resources of one load balancer reference each other by id before the LB exists: build them.
        const lbName = resourceName("lbe", args.names, "ingress");
        const lbChild = loadBalancerChildIds(this, args.resourceGroupName, lbName);
        const frontendRef = { id: lbChild("frontendIPConfigurations", FRONTEND) };
        const ingressPoolRef = { id: lbChild("backendAddressPools", INGRESS_POOL) };
        const dataPoolRef = { id: lbChild("backendAddressPools", OUTBOUND_DATA_POOL) };
        const idle = args.idleTimeoutMinutes;

        return new network.LoadBalancer(
            `${name}-lb`,
            {
                ...placementOf(args),
                loadBalancerName: lbName,
                sku: { name: "Standard", tier: "Regional" },
                // The frontend inherits the public IP's zones (zone-redundant in production).
                frontendIPConfigurations: [{ name: FRONTEND, publicIPAddress: { id: this.publicIpAddress.id } }],
                backendAddressPools: [{ name: INGRESS_POOL }, ...(args.extraOutboundBackendPool ? [{ name: OUTBOUND_DATA_POOL }] : [])],
                probes: args.ports.map((port) => ({
                    name: `probe-tcp-${port}`,
                    protocol: "Tcp",
                    port,
                    intervalInSeconds: 5,
                    probeThreshold: 2,
                })),
                loadBalancingRules: args.ports.map((port) => ({
                    name: `rule-tcp-${port}`,
                    protocol: "Tcp",
                    frontendPort: port,
                    backendPort: port,
                    frontendIPConfiguration: frontendRef,
                    backendAddressPool: ingressPoolRef,
                    probe: { id: lbChild("probes", `probe-tcp-${port}`) },
                    idleTimeoutInMinutes: idle,
                    enableTcpReset: true,
                    enableFloatingIP: false,
                    // Egress goes through the explicit outbound rule below, never through rule SNAT.
                    disableOutboundSnat: true,
                })),
                inboundNatRules: sshEnabled
                    ? [
                          {
                              name: SSH_NAT_RULE,
                              protocol: "Tcp",
                              frontendIPConfiguration: frontendRef,
                              frontendPort: SSH_NAT_FRONTEND_PORT,
                              backendPort: 22,
                              idleTimeoutInMinutes: idle,
                              enableTcpReset: true,
                              enableFloatingIP: false,
                          },
                      ]
                    : [],
                // Explicit outbound rules (the subnets have no default outbound access), drawing on the one frontend IP.
                outboundRules: [
                    outboundRule(OUTBOUND_INGRESS_RULE, frontendRef, ingressPoolRef, INGRESS_OUTBOUND_PORTS, idle),
                    ...(args.extraOutboundBackendPool
                        ? [outboundRule(OUTBOUND_DATA_RULE, frontendRef, dataPoolRef, DATA_OUTBOUND_PORTS, idle)]
                        : []),
                ],
            },
            { parent: this },
        );
    }

    /** The id of a load balancer sub-resource, derived from the LB's id so that what references it waits for the LB. */
    private lbChildId(kind: LoadBalancerChildKind, child: string): pulumi.Output<string> {
        return pulumi.interpolate`${this.loadBalancer.id}/${kind}/${child}`;
    }

    private createNic(name: string, args: IngressVmArgs): network.NetworkInterface {
        const n = args.names;
        const common = placementOf(args);
        const sshEnabled = args.adminSourceCidrs.length > 0;
        return new network.NetworkInterface(
            `${name}-nic`,
            {
                ...common,
                networkInterfaceName: resourceName("nic", n, "ingress"),
                enableAcceleratedNetworking: supportsAcceleratedNetworking(args.vmSize),
                enableIPForwarding: false,
                // No NIC-level NSG: the ingress subnet's NSG applies. No public IP: the LB frontend is the only one.
                ipConfigurations: [
                    {
                        name: "ipconfig1",
                        primary: true,
                        subnet: { id: args.subnetId },
                        privateIPAllocationMethod: "Static",
                        privateIPAddress: args.vmPrivateIp,
                        privateIPAddressVersion: "IPv4",
                        loadBalancerBackendAddressPools: [{ id: this.lbChildId("backendAddressPools", INGRESS_POOL) }],
                        loadBalancerInboundNatRules: sshEnabled ? [{ id: this.lbChildId("inboundNatRules", SSH_NAT_RULE) }] : [],
                    },
                ],
            },
            { parent: this },
        );
    }

    private createVm(name: string, args: IngressVmArgs, userData: string): compute.VirtualMachine {
        const n = args.names;
        const common = placementOf(args);
        const vmName = resourceName("vm", n, "ingress");
        return linuxVirtualMachine(
            `${name}-vm`,
            {
                ...common,
                vmName,
                computerName: vmName,
                zones: args.zones.length > 0 ? ["1"] : undefined,
                vmSize: args.vmSize,
                adminUsername: args.adminUsername,
                sshPublicKey: args.sshPublicKey,
                userData,
                allowExtensionOperations: true,
                userAssignedIdentityIds: [this.identity.id],
                // The VM holds no data (uploads stream through to pachd; pachctl and its config come from cloud-init).
                osDiskName: resourceName("osdisk", n, "ingress"),
                osDiskCaching: "ReadWrite",
                encryptionAtHost: args.encryptionAtHost,
                nicId: this.nic.id,
            },
            {
                parent: this,
                // Azure refuses in-place changes to osProfile (customData included: PropertyChangeNotAllowed), and
                // two VMs cannot share the name or the NIC: replace, deleting first. Nothing is lost (no data).
                replaceOnChanges: ["osProfile"],
                deleteBeforeReplace: true,
            },
        );
    }

    private createShutdown(name: string, args: IngressVmArgs, shutdown: NonNullable<IngressVmArgs["shutdown"]>): void {
        // The portal's "Auto-shutdown": a DevTestLab global schedule outside any lab, which ARM accepts only
        // under the name shutdown-computevm-<VM name> with task type ComputeVmShutdownTask and a daily time
        // (https://learn.microsoft.com/azure/templates/microsoft.devtestlab/schedules; hashicorp/terraform-provider-azurerm#5536).
        new devtestlab.GlobalSchedule(
            `${name}-vm-shutdown`,
            {
                ...placementOf(args),
                name: `shutdown-computevm-${resourceName("vm", args.names, "ingress")}`,
                targetResourceId: this.vm.id,
                taskType: "ComputeVmShutdownTask",
                status: "Enabled",
                dailyRecurrence: { time: shutdown.time },
                timeZoneId: shutdown.timeZone,
                notificationSettings: { status: "Disabled" },
            },
            { parent: this },
        );
    }
}
