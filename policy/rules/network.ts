/** Network, ingress VM and load balancers (docs/policy.md rules 23-28). */
import * as compute from "@pulumi/azure-native/compute";
import {
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { isType } from "../../lib/resourceTypes";
import { K8S } from "../k8s";
import {
    asArray,
    azureName,
    dependsOn,
    eqi,
    hasAllZones,
    inI,
    label,
    mentionsName,
    ofType,
    Props,
    stackEnv,
    stackWith,
    validateResourceOfTypes,
} from "../util";
import { advisory, at, mandatory } from "./common";
import { nodePools, poolReport } from "./aks";

const ANY_SOURCE = ["*", "0.0.0.0/0", "0.0.0.0", "internet", "any", "::/0"];

/** True when a port spec (`*`, `22`, `20-30`) covers `port`. */
function portCovers(spec: unknown, port: number): boolean {
    if (typeof spec !== "string" && typeof spec !== "number") return false;
    const s = String(spec).trim();
    if (s === "*") return true;
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(s);
    if (m) return Number(m[1]) <= port && port <= Number(m[2]);
    return Number(s) === port;
}

function adminFromInternet(rule: Props): string | undefined {
    if (!eqi(rule.access, "Allow") || !eqi(rule.direction, "Inbound")) return undefined;
    if (eqi(rule.protocol, "Icmp")) return undefined;
    const sources = [rule.sourceAddressPrefix, ...asArray(rule.sourceAddressPrefixes)].filter((s) => s !== undefined);
    const open = sources.filter((s) => inI(s, ANY_SOURCE));
    if (open.length === 0) return undefined;
    const ports = [rule.destinationPortRange, ...asArray(rule.destinationPortRanges)].filter((s) => s !== undefined);
    const admin = [22, 3389].filter((p) => ports.some((spec) => portCovers(spec, p)));
    if (admin.length === 0) return undefined;
    return `rule '${rule.name ?? "?"}' allows port ${admin.join(" and ")} from ${open.join(", ")}`;
}

/** A validation of NSG security rules, wherever declared: an NSG's inline rules, or a SecurityRule resource. */
export function validateSecurityRules(validate: (rules: Props[], report: ReportViolation) => void): ResourceValidation {
    return validateResourceOfTypes(
        ["azure-native:network:NetworkSecurityGroup", "azure-native:network:SecurityRule"],
        (p, args, report) => {
            const rules = isType(args.type, "azure-native:network:NetworkSecurityGroup")
                ? asArray<Props>(p.securityRules)
                : [{ ...p, name: p.name ?? p.securityRuleName ?? args.name }];
            validate(rules, report);
        },
    );
}

export const nsgAdminPorts: ResourceValidationPolicy = {
    name: "nsg-no-admin-ports-from-internet",
    description:
        "Rule 23 (CKV_AZURE_10, CKV_AZURE_9): no NSG rule allows 22, 3389 or a port range covering them from *, 0.0.0.0/0, Internet or Any.",
    enforcementLevel: mandatory,
    validateResource: validateSecurityRules((rules, report) => {
        for (const r of rules) {
            const bad = adminFromInternet(r);
            if (bad) report(bad);
        }
    }),
};

/** Azure subnets that cannot or need not carry an NSG. */
const SPECIAL_SUBNETS = [
    "GatewaySubnet",
    "AzureFirewallSubnet",
    "AzureFirewallManagementSubnet",
    "AzureBastionSubnet",
    "RouteServerSubnet",
];

export const subnetNsg: StackValidationPolicy = {
    name: "subnet-has-nsg",
    description: "Rule 24 (CKV2_AZURE_31): every workload subnet has a network security group.",
    enforcementLevel: mandatory,
    validateStack: stackWith(["azure-native:network:Subnet", "azure-native:network:VirtualNetwork"], (args, report) => {
        const check = (s: Props, owner: PolicyResource, name: string) => {
            if (inI(name, SPECIAL_SUBNETS)) return;
            const nsg = s.networkSecurityGroup;
            if (!nsg || (typeof nsg === "object" && !nsg.id))
                report(`${label(owner)}: subnet '${name}' has no networkSecurityGroup`, owner.urn);
        };
        for (const s of ofType(args.resources, "azure-native:network:Subnet"))
            check(s.props ?? {}, s, s.props?.subnetName ?? s.props?.name ?? s.name);
        for (const v of ofType(args.resources, "azure-native:network:VirtualNetwork")) {
            for (const s of asArray<Props>(v.props?.subnets)) check(s, v, s.name ?? "?");
        }
    }),
};

export const vmLinuxSsh: ResourceValidationPolicy = {
    name: "vm-linux-ssh-key-only",
    description:
        "Rule 25 (CKV_AZURE_1, CKV_AZURE_178, CKV_AZURE_149 partly): VMs are Linux with password authentication disabled and an SSH key, on managed disks.",
    enforcementLevel: mandatory,
    validateResource: validateResourceOfType(compute.VirtualMachine, (vm, _args, report) => {
        const os = vm.osProfile ?? {};
        if (os.windowsConfiguration || !os.linuxConfiguration) report("osProfile.linuxConfiguration is required (Linux only)");
        if (os.linuxConfiguration?.disablePasswordAuthentication !== true)
            report("osProfile.linuxConfiguration.disablePasswordAuthentication must be true");
        if (asArray(os.linuxConfiguration?.ssh?.publicKeys).length === 0)
            report("osProfile.linuxConfiguration.ssh.publicKeys must hold the admin SSH key");
        if (os.adminPassword !== undefined) report("osProfile.adminPassword must not be set");
        const sp = vm.storageProfile ?? {};
        if (sp.osDisk?.vhd || asArray<Props>(sp.dataDisks).some((d) => d.vhd)) report("unmanaged (VHD) disks: use managed disks");
    }),
};

export const vmEncryptionAtHost: ResourceValidationPolicy = {
    name: "vm-encryption-at-host",
    description: "Rule 25 (CKV_AZURE_149 family / Azure.VM.UseHostBasedEncryption): VM encryption at host (advisory).",
    enforcementLevel: advisory,
    validateResource: validateResourceOfType(compute.VirtualMachine, (vm, _args, report) => {
        if (vm.securityProfile?.encryptionAtHost !== true) report("securityProfile.encryptionAtHost is not true");
    }),
};

function isPublicLb(lb: PolicyResource): boolean {
    return asArray<Props>(lb.props?.frontendIPConfigurations).some((f) => f.publicIPAddress || f.publicIPPrefix);
}

function lbUsesPip(lb: PolicyResource, pip: PolicyResource): boolean {
    const fronts = asArray<Props>(lb.props?.frontendIPConfigurations)
        .map((f) => f.publicIPAddress)
        .filter(Boolean);
    return fronts.length > 0 && (dependsOn(lb, pip) || mentionsName(fronts, azureName(pip)));
}

export const noPublicIps: StackValidationPolicy = {
    name: "no-public-ip-except-lb",
    description:
        "Rule 26 (CKV_AZURE_119): no NIC (nor AKS node) has a public IP; the only public IP is the public load balancer's frontend.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        for (const nic of ofType(args.resources, "azure-native:network:NetworkInterface")) {
            for (const ipc of asArray<Props>(nic.props?.ipConfigurations)) {
                if (ipc.publicIPAddress) at(report, nic)(`ipConfiguration '${ipc.name ?? "?"}' has a public IP`);
            }
        }
        for (const vm of ofType(args.resources, "azure-native:compute:VirtualMachine")) {
            for (const nc of asArray<Props>(vm.props?.networkProfile?.networkInterfaceConfigurations)) {
                for (const ipc of asArray<Props>(nc.ipConfigurations)) {
                    if (ipc.publicIPAddressConfiguration) at(report, vm)(`network interface '${nc.name}' creates a public IP`);
                }
            }
        }
        for (const np of nodePools(args.resources)) {
            if (np.pool.enableNodePublicIP === true) poolReport(report, np)("enableNodePublicIP gives nodes public IPs");
        }
        const lbs = ofType(args.resources, "azure-native:network:LoadBalancer");
        for (const pip of ofType(args.resources, "azure-native:network:PublicIPAddress")) {
            if (!lbs.some((lb) => lbUsesPip(lb, pip))) at(report, pip)("public IP is not the frontend of a load balancer");
        }
    },
};

const lbConfigSchema = {
    properties: {
        environment: { type: "string" as const, enum: ["dev", "prod"] },
        allowedPublicPorts: { type: "array" as const, items: { type: "integer" as const }, default: [443] },
        allowedAdminPorts: { type: "array" as const, items: { type: "integer" as const }, default: [22, 50022] },
    },
};

export const publicLb: StackValidationPolicy = {
    name: "public-lb-standard-zonal",
    description:
        "Rule 27 (Azure.LB.StandardSKU, Azure.PublicIP.IsStatic, Azure.PublicIP.AvailabilityZone): public load balancer and its IP Standard SKU, static, zone-redundant in production; every rule has a health probe; internet-facing ports limited to the configured allowlist (allowedPublicPorts for rules, default [443]; allowedAdminPorts for inbound NAT rules, default [22, 50022], the SSH NAT frontend of the ingress component).",
    enforcementLevel: mandatory,
    configSchema: lbConfigSchema,
    validateStack: stackWith(["azure-native:network:LoadBalancer"], (args, report) => {
        const cfg = args.getConfig() as { allowedPublicPorts?: number[]; allowedAdminPorts?: number[] };
        const allowed = cfg.allowedPublicPorts ?? [443];
        const adminAllowed = cfg.allowedAdminPorts ?? [22, 50022];
        const prod = stackEnv(args) === "prod";
        const publicLbs = ofType(args.resources, "azure-native:network:LoadBalancer").filter(isPublicLb);
        if (publicLbs.length === 0) args.notApplicable("no public load balancer");
        for (const lb of publicLbs) {
            const p = lb.props ?? {};
            const where = at(report, lb);
            if (!eqi(p.sku?.name, "Standard")) where(`sku.name is '${p.sku?.name}', must be Standard`);
            const probes = asArray<Props>(p.probes);
            for (const rule of asArray<Props>(p.loadBalancingRules)) {
                if (!rule.probe || probes.length === 0) where(`rule '${rule.name ?? rule.frontendPort}' has no health probe`);
                if (!allowed.includes(Number(rule.frontendPort)))
                    where(`rule '${rule.name ?? "?"}' exposes port ${rule.frontendPort}, not in the allowlist ${JSON.stringify(allowed)}`);
            }
            const natRules = [
                ...asArray<Props>(p.inboundNatRules),
                ...ofType(args.resources, "azure-native:network:InboundNatRule")
                    .filter((n) => dependsOn(n, lb) || eqi(n.props?.loadBalancerName, azureName(lb) ?? "\u0000"))
                    .map((n) => n.props ?? {}),
            ];
            for (const nat of natRules) {
                const ports =
                    nat.frontendPort !== undefined
                        ? [Number(nat.frontendPort)]
                        : [Number(nat.frontendPortRangeStart), Number(nat.frontendPortRangeEnd)];
                if (!ports.every((x) => adminAllowed.includes(x) || allowed.includes(x)))
                    where(
                        `inbound NAT rule '${nat.name ?? nat.inboundNatRuleName ?? "?"}' exposes ${ports.join("-")}, not in the allowlist`,
                    );
            }
            if (asArray(p.inboundNatPools).length > 0) where("inboundNatPools expose port ranges to the internet");
            for (const pip of ofType(args.resources, "azure-native:network:PublicIPAddress").filter((x) => lbUsesPip(lb, x))) {
                const pw = at(report, pip);
                const pp = pip.props ?? {};
                if (!eqi(pp.sku?.name, "Standard")) pw(`sku.name is '${pp.sku?.name}', must be Standard`);
                if (!eqi(pp.publicIPAllocationMethod, "Static"))
                    pw(`publicIPAllocationMethod is '${pp.publicIPAllocationMethod}', must be Static`);
                if (prod && !hasAllZones(pp.zones)) pw(`zones ${JSON.stringify(pp.zones ?? [])} must be 1, 2, 3 in production`);
            }
        }
    }),
};

const INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";

export const k8sServices: StackValidationPolicy = {
    name: "k8s-lb-service-internal",
    description:
        'Rule 28 (AKS baseline): the Pachyderm LoadBalancer Service is internal (service.beta.kubernetes.io/azure-load-balancer-internal: "true"); no other LoadBalancer or NodePort Service.',
    enforcementLevel: mandatory,
    validateStack: stackWith([K8S.Service], (args, report) => {
        const lbs: PolicyResource[] = [];
        for (const s of ofType(args.resources, K8S.Service)) {
            const type = s.props?.spec?.type;
            if (type === "NodePort") at(report, s)("NodePort Services are not allowed");
            if (type === "LoadBalancer") {
                lbs.push(s);
                if (s.props?.metadata?.annotations?.[INTERNAL_LB_ANNOTATION] !== "true")
                    at(report, s)(`LoadBalancer Service must be internal (${INTERNAL_LB_ANNOTATION}: "true")`);
            }
        }
        if (lbs.length > 1) {
            const pach = lbs.filter((s) => /pach/.test(`${s.name} ${s.props?.metadata?.name ?? ""}`));
            const keep = pach[0] ?? lbs[0];
            for (const s of lbs)
                if (keep && s !== keep)
                    at(report, s)(`only one LoadBalancer Service (Pachyderm's '${keep.props?.metadata?.name ?? keep.name}') is allowed`);
        }
    }),
};
