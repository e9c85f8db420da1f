import { Address4, Address6 } from "ip-address";

/**
 * Rules Azure Resource Manager enforces when it receives a request, which Pulumi mocks (and the
 * azure-native schema) accept silently. Each rule names its source. Used by the components (to build
 * valid requests), by the policy pack (`arm-*` policies) and by the tests.
 */

type Side = "source" | "destination";
/**
 * One side's address fields of a security rule: the singular or the plural one. (TypeScript types a computed
 * `${side}…` key as a string index, hence the casts where these objects are built.)
 */
type AddressFields<S extends Side> = Partial<Record<`${S}AddressPrefix`, string> & Record<`${S}AddressPrefixes`, string[]>>;
/** One side's port fields of a security rule: the singular or the plural one. */
type PortFields<S extends Side> = Partial<Record<`${S}PortRange`, string> & Record<`${S}PortRanges`, string[]>>;

/** `a.b.c.d`, `a.b.c.d/n` or an IPv6 address/prefix: its family; undefined for `*` and service tags. */
export function addressFamily(value: unknown): "IPv4" | "IPv6" | undefined {
    if (typeof value !== "string") return undefined;
    if (Address4.isValid(value)) return "IPv4";
    if (value.includes(":") && Address6.isValid(value)) return "IPv6";
    return undefined;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isSet = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== "");

/**
 * NSG rule name: "up to 80 characters long. It must begin with a word character, and it must end with a
 * word character or with '_'. The name may contain word characters or '.', '-', '_'."
 * (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules)
 */
const RULE_NAME = /^\w(?:[\w.-]{0,78}\w)?$/;

/** "Integer or range between 0 and 65535" (SecurityRuleInvalidPortRange). */
function validPort(spec: unknown): boolean {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(String(spec));
    if (!m) return false;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return lo <= hi && hi <= 65535;
}

/**
 * What ARM refuses in the security rules of one network security group (inline `securityRules`, or the
 * standalone SecurityRule resources of one NSG). Sources:
 * - service tags (`Internet`, `VirtualNetwork`, `AzureLoadBalancer`, ...) and `*` only in the singular
 *   `sourceAddressPrefix`/`destinationAddressPrefix`: "The ability to specify multiple individual IP
 *   addresses and ranges (you can't specify multiple service tags or application groups) in a rule is
 *   referred to as augmented security rules" (network-security-groups-overview); the plural fields are
 *   "The CIDR or source IP ranges" (azure-native SecurityRuleArgs); ARM answers
 *   SecurityRuleParameterContainsUnsupportedValue "... cannot specify existing VIRTUALNETWORK, INTERNET,
 *   AZURELOADBALANCER, '*' or system tags" (hashicorp/terraform-provider-azurerm#5617);
 * - the singular or the plural address field, not both, and one of them (or application security
 *   groups) on each side (Azure/azure-rest-api-specs#1591: "the user must supply one or the other");
 * - one address family per rule (ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies,
 *   hashicorp/terraform-provider-azurerm#12534);
 * - ports "Integer or range between 0 and 65535", `*` only in the singular field (SecurityRuleArgs;
 *   SecurityRuleInvalidPortRange, hashicorp/terraform-provider-azurerm#659);
 * - priority 100-4096, unique per direction (SecurityRuleConflict "Rules cannot have the same Priority and
 *   Direction", Azure/aks-engine#2106); the name unique in the NSG, 1-80 characters (RULE_NAME);
 *   description at most 140 characters (SecurityRuleArgs).
 */
export function securityRuleProblems(rules: Readonly<Record<string, unknown>>[]): string[] {
    const out: string[] = [];
    const seenNames = new Map<string, number>();
    const seenPriorities = new Map<string, string>();
    rules.forEach((r, i) => {
        const name = typeof r.name === "string" ? r.name : `#${i}`;
        const who = `rule '${name}'`;
        if (typeof r.name !== "string" || !RULE_NAME.test(r.name))
            out.push(
                `${who}: the name must be 1-80 word characters, '.', '-' or '_', starting with a word character and ending with a word character or '_'`,
            );
        const lower = name.toLowerCase();
        if (seenNames.has(lower)) out.push(`${who}: the name is used twice in this network security group`);
        seenNames.set(lower, i);
        const priority = r.priority;
        if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 100 || priority > 4096) {
            out.push(`${who}: priority ${priority} must be an integer from 100 to 4096`);
        } else {
            const key = `${String(r.direction).toLowerCase()}/${priority}`;
            const other = seenPriorities.get(key);
            if (other !== undefined)
                out.push(`${who}: priority ${priority} ${r.direction} is already used by rule '${other}' (SecurityRuleConflict)`);
            else seenPriorities.set(key, name);
        }
        if (typeof r.description === "string" && r.description.length > 140) out.push(`${who}: description is longer than 140 characters`);
        const families = new Set<string>();
        for (const side of ["source", "destination"] as const) {
            const one = r[`${side}AddressPrefix`];
            const many = r[`${side}AddressPrefixes`];
            const asgs = r[`${side}ApplicationSecurityGroups`];
            if (isSet(one) && isSet(many)) out.push(`${who}: set ${side}AddressPrefix or ${side}AddressPrefixes, not both`);
            if (!isSet(one) && !isSet(many) && !isSet(asgs))
                out.push(`${who}: no ${side} (${side}AddressPrefix, ${side}AddressPrefixes or ${side}ApplicationSecurityGroups)`);
            for (const p of list(many)) {
                const family = addressFamily(p);
                if (family) families.add(family);
                else
                    out.push(
                        `${who}: ${side}AddressPrefixes holds '${String(p)}', which is not an IP address or CIDR: service tags and '*' go only in ${side}AddressPrefix (SecurityRuleParameterContainsUnsupportedValue)`,
                    );
            }
            const family = addressFamily(one);
            if (family) families.add(family);
            const portOne = r[`${side}PortRange`];
            const portMany = r[`${side}PortRanges`];
            if (isSet(portOne) && isSet(portMany)) out.push(`${who}: set ${side}PortRange or ${side}PortRanges, not both`);
            if (!isSet(portOne) && !isSet(portMany)) out.push(`${who}: no ${side}PortRange or ${side}PortRanges`);
            if (isSet(portOne) && portOne !== "*" && !validPort(portOne))
                out.push(`${who}: ${side}PortRange '${portOne}' is not '*', a port or a range within 0-65535`);
            for (const p of list(portMany)) {
                if (!validPort(p))
                    out.push(
                        `${who}: ${side}PortRanges holds '${String(p)}', not a port or a range within 0-65535 ('*' goes only in ${side}PortRange)`,
                    );
            }
        }
        if (families.size > 1)
            out.push(`${who}: mixes IPv4 and IPv6 prefixes (ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies)`);
    });
    return out;
}

/**
 * The address fields of one side of a security rule: one prefix (a CIDR, an IP, `*` or a service tag)
 * goes in the singular field, several CIDRs in the plural one (see securityRuleProblems).
 */
export function addressFields<S extends Side>(side: S, prefixes: string[]): AddressFields<S> {
    const [only, ...others] = prefixes;
    if (only === undefined) throw new Error(`security rule: no ${side} address`);
    if (others.length === 0) return { [`${side}AddressPrefix`]: only } as AddressFields<S>;
    const notCidr = prefixes.filter((p) => !addressFamily(p));
    if (notCidr.length > 0)
        throw new Error(
            `security rule: ${notCidr.join(", ")} cannot share a rule with other ${side} prefixes (service tags and '*' go alone in ${side}AddressPrefix)`,
        );
    return { [`${side}AddressPrefixes`]: prefixes } as AddressFields<S>;
}

/** The port fields of one side of a security rule: one spec in the singular field, several in the plural one. */
export function portFields<S extends Side>(side: S, ports: string[]): PortFields<S> {
    const [only, ...others] = ports;
    if (only === undefined) throw new Error(`security rule: no ${side} port`);
    return (others.length === 0 ? { [`${side}PortRange`]: only } : { [`${side}PortRanges`]: ports }) as PortFields<S>;
}
