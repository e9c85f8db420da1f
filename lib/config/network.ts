import { addressCount, Cidr, contains, containsIp, isAzureReserved, overlaps, parseCidr, parseIp, usableAzureAddresses } from "../cidr";
import { CheckContext } from "./context";
import { ConfigKey } from "./schema";

/** Ranges a named rule forbids, each with the rule's source. */
interface Forbidden {
    cidr: Cidr;
    what: string;
}
const ranges = (what: string, ...texts: string[]): Forbidden[] => texts.map((t) => ({ cidr: parseCidr(t) as Cidr, what }));

/**
 * A VNet's address space may not contain these: "What address ranges can I use in my virtual networks?"
 * (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq): 224.0.0.0/4 multicast,
 * 255.255.255.255/32 broadcast, 127.0.0.0/8 loopback, 169.254.0.0/16 link-local, 168.63.129.16/32 internal DNS.
 */
export const VNET_FORBIDDEN: readonly Forbidden[] = [
    ...ranges("multicast", "224.0.0.0/4"),
    ...ranges("broadcast", "255.255.255.255/32"),
    ...ranges("loopback", "127.0.0.0/8"),
    ...ranges("link-local", "169.254.0.0/16"),
    ...ranges("Azure's platform DNS/health address 168.63.129.16", "168.63.129.16/32"),
];

/**
 * AKS: "clusters may not use 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, or 192.0.2.0/24 for the Kubernetes service
 * address range, pod address range, or cluster virtual network address range" (https://learn.microsoft.com/azure/aks/configure-kubenet,
 * prerequisites; the same list in the AKS IP address planning guidance).
 */
export const AKS_RESERVED: readonly Forbidden[] = ranges(
    "reserved by AKS",
    "169.254.0.0/16",
    "172.30.0.0/16",
    "172.31.0.0/16",
    "192.0.2.0/24",
);

/** RFC 1918 private ranges, and RFC 6598 shared address space (the pod CIDRs Azure CNI Overlay supports). */
const RFC1918 = ranges("private", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16").map((f) => f.cidr);
const RFC6598 = ranges("shared", "100.64.0.0/10").map((f) => f.cidr);

/**
 * Sources no client's traffic comes from on the internet (IANA IPv4 Special-Purpose Address Registry, RFC 6890):
 * in prod they are refused as API-server or SSH sources, in dev they are examples (a warning).
 */
const NON_ROUTABLE: readonly Forbidden[] = [
    ...ranges("a documentation range (RFC 5737)", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
    ...ranges("a private range (RFC 1918)", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
    ...ranges("shared address space (RFC 6598)", "100.64.0.0/10"),
    ...ranges("loopback", "127.0.0.0/8"),
    ...ranges("link-local", "169.254.0.0/16"),
    ...ranges('"this network" (RFC 791)', "0.0.0.0/8"),
    ...ranges("benchmarking space (RFC 2544)", "198.18.0.0/15"),
    ...ranges("IETF protocol assignments (RFC 6890)", "192.0.0.0/24"),
    ...ranges("multicast", "224.0.0.0/4"),
    ...ranges("reserved (RFC 1112)", "240.0.0.0/4"),
];

/**
 * Access sources covering this many addresses or more together are "the internet", however they are written
 * (0.0.0.0/0, or 0.0.0.0/1 + 128.0.0.0/1...): 2^24 addresses, a /8, 1/256 of IPv4.
 */
const INTERNET_SHARE = 2n ** 24n;

const hit = (c: Cidr, list: readonly Forbidden[]) => list.find((f) => overlaps(c, f.cidr));
const within = (c: Cidr, list: readonly Cidr[]) => list.some((r) => contains(r, c));

/** Subnets: minimum size, inside the VNet, no overlaps. */
const SUBNET_RULES: [ConfigKey, number, string][] = [
    ["subnetAks", 24, "AKS nodes (node count x surge) need /24 or larger"],
    ["subnetIngress", 29, "the ingress VM subnet needs /29 or larger"],
    ["subnetData", 28, "the GlusterFS subnet needs /28 or larger"],
    ["subnetPrivateEndpoints", 28, "the private endpoint subnet needs /28 or larger"],
    ["subnetPostgres", 28, "PostgreSQL Flexible Server needs a delegated /28 or larger"],
];

function cidrOf(c: CheckContext, key: ConfigKey): Cidr | undefined {
    if (!c.ok(key)) return undefined;
    const parsed = parseCidr(c.v[key] as string);
    if (typeof parsed === "string") {
        c.add(key, parsed);
        return undefined;
    }
    return parsed;
}

function checkVnetAndSubnets(c: CheckContext): { vnet?: Cidr; aks?: Cidr } {
    const vnet = cidrOf(c, "vnetAddressSpace");
    if (vnet) {
        // "Max size /8" (https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning); /24 leaves no room for the subnets.
        if (vnet.prefix < 8 || vnet.prefix > 24) c.add("vnetAddressSpace", "must be between /8 and /24");
        const bad = hit(vnet, VNET_FORBIDDEN) ?? hit(vnet, AKS_RESERVED);
        if (bad)
            c.add("vnetAddressSpace", `${vnet.text} overlaps ${bad.cidr.text} (${bad.what}), which a VNet of an AKS cluster cannot use`);
    }
    const subnets: [ConfigKey, Cidr][] = [];
    for (const [key, maxPrefix, why] of SUBNET_RULES) {
        const s = cidrOf(c, key);
        if (!s) continue;
        if (s.prefix > maxPrefix)
            c.add(key, `is /${s.prefix}: ${why} (${usableAzureAddresses(s)} usable addresses after Azure's 5 reserved)`);
        if (vnet && !contains(vnet, s)) c.add(key, `${s.text} is not inside the VNet ${vnet.text} (vnetAddressSpace)`);
        for (const [otherKey, other] of subnets) if (overlaps(s, other)) c.add(key, `${s.text} overlaps ${otherKey} ${other.text}`);
        subnets.push([key, s]);
    }
    return { vnet, aks: subnets.find(([k]) => k === "subnetAks")?.[1] };
}

function checkClusterRanges(c: CheckContext, vnet?: Cidr): void {
    const service = cidrOf(c, "aksServiceCidr");
    const pod = cidrOf(c, "aksPodCidr");
    // Service CIDR: a private range smaller than /12 (https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-overlay);
    // pod CIDR: RFC 1918 or RFC 6598 (same page: public ranges are outside support).
    for (const [key, r, allowed, allowedText] of [
        ["aksServiceCidr", service, RFC1918, "a private range (RFC 1918)"],
        ["aksPodCidr", pod, [...RFC1918, ...RFC6598], "a private (RFC 1918) or shared (RFC 6598) range"],
    ] as const) {
        if (!r) continue;
        const reserved = hit(r, AKS_RESERVED);
        if (reserved) c.add(key, `${r.text} overlaps ${reserved.cidr.text}, which AKS reserves`);
        else if (!within(r, allowed)) c.add(key, `${r.text} must lie within ${allowedText}`);
        if (vnet && overlaps(r, vnet)) c.add(key, `${r.text} overlaps the VNet ${vnet.text}`);
    }
    if (service && pod && overlaps(service, pod)) c.add("aksPodCidr", `${pod.text} overlaps aksServiceCidr ${service.text}`);
    if (service && service.prefix <= 12) c.add("aksServiceCidr", `is /${service.prefix}: AKS needs a service range smaller than /12`);
    if (!c.ok("aksDnsServiceIp")) return;
    const ip = parseIp(c.v.aksDnsServiceIp!);
    if (typeof ip === "string") {
        c.add("aksDnsServiceIp", ip);
        return;
    }
    // The first address after the network address (.1) is kubernetes.default's ClusterIP (same page).
    if (service && (!containsIp(service, ip) || ip <= service.first + 1n || ip === service.last)) {
        c.add(
            "aksDnsServiceIp",
            `${c.v.aksDnsServiceIp} must be inside aksServiceCidr ${service.text}, not its network address, ` +
                `its first address (kubernetes.default's ClusterIP) or its last`,
        );
    }
}

function checkPachdIp(c: CheckContext, aks?: Cidr): void {
    if (!c.ok("pachdInternalIp")) return;
    const ip = parseIp(c.v.pachdInternalIp!);
    const text = c.v.pachdInternalIp;
    if (typeof ip === "string") c.add("pachdInternalIp", ip);
    else if (aks && !containsIp(aks, ip)) c.add("pachdInternalIp", `${text} is not inside subnetAks ${aks.text}`);
    else if (aks && isAzureReserved(aks, ip)) c.add("pachdInternalIp", `${text} is one of Azure's 5 reserved addresses of ${aks.text}`);
    // The first addresses of the node subnet go to nodes as they are created; pick from the top.
    else if (aks && ip - aks.first < 16n)
        c.add("pachdInternalIp", `${text} is in the first 16 addresses of ${aks.text}, which AKS nodes take first`);
}

/** Sources of access (API server, SSH): never "the internet", and in prod only addresses traffic can come from. */
function checkSources(c: CheckContext, key: "aksAuthorizedIpRanges" | "ingressAdminSourceCidrs"): Cidr[] {
    if (!c.ok(key)) return [];
    const out: Cidr[] = [];
    c.v[key]!.forEach((text, i) => {
        const parsed = parseCidr(text);
        if (typeof parsed === "string") {
            c.add(`${key}[${i}]`, parsed);
            return;
        }
        if (addressCount([parsed]) >= INTERNET_SHARE) {
            c.add(`${key}[${i}]`, `${parsed.text} would open access to the whole internet (a /8 or larger)`);
            return;
        }
        out.push(parsed);
        const special = hit(parsed, NON_ROUTABLE);
        if (!special) return;
        const advice = `no client's traffic comes from it: set the public egress CIDRs of ${key === "aksAuthorizedIpRanges" ? "your deploy runners and admins" : "your admins"}`;
        if (c.prod && !(special.what.startsWith("a documentation") && c.waived("placeholder-source-ranges"))) {
            c.add(`${key}[${i}]`, `${parsed.text} is ${special.what}: ${advice} (pulumi config set --path '${key}[${i}]' <cidr>)`);
        } else if (!c.prod) {
            c.warn(`${key}[${i}] ${parsed.text} is ${special.what}: an example only; before deploying, ${advice.split(": ")[1]}`);
        }
    });
    const covered = addressCount(out);
    if (covered >= INTERNET_SHARE) {
        c.add(key, `covers ${covered} addresses together: ${INTERNET_SHARE} or more (a /8, 1/256 of IPv4) counts as the whole internet`);
    }
    return out;
}

export function checkNetwork(c: CheckContext): void {
    const { vnet, aks } = checkVnetAndSubnets(c);
    checkClusterRanges(c, vnet);
    checkPachdIp(c, aks);
    const authorized = checkSources(c, "aksAuthorizedIpRanges");
    checkSources(c, "ingressAdminSourceCidrs");
    if (
        c.ok("aksPrivateCluster", "aksAuthorizedIpRanges") &&
        !c.v.aksPrivateCluster &&
        authorized.length === 0 &&
        c.v.aksAuthorizedIpRanges!.length === 0
    ) {
        c.add("aksAuthorizedIpRanges", "must list the CIDRs allowed to reach the public API server (or set aksPrivateCluster: true)");
    }
}
