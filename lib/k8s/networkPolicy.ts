/**
 * Whether Kubernetes NetworkPolicies (networking.k8s.io/v1) allow one connection, with the semantics of
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/ and the API reference
 * (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/):
 * - a pod is isolated for ingress (egress) when a policy of its namespace selects it with that policy type;
 *   `policyTypes` defaults to Ingress, plus Egress when the policy has egress rules;
 * - an isolated pod accepts a connection when some rule of a selecting policy matches both peer and port;
 *   a connection between two pods needs the sender's egress and the receiver's ingress;
 * - a peer is a podSelector (pods of the policy's namespace), a namespaceSelector (all pods of the
 *   selected namespaces), both (selected pods of selected namespaces), or an ipBlock (cidr minus except);
 * - absent or empty `from`/`to`/`ports` match everything; a port entry without `port` matches every port
 *   of its protocol (default TCP); `endPort` makes a range; a named port resolves on the destination pod.
 * Whether an ipBlock matches a pod's own IP is implementation-defined; here it does when the pod has an IP,
 * which can only over-report what is allowed.
 */
import { containsIp, parseCidr, parseIp } from "../cidr";

interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface NetworkPolicyObject {
    metadata: { name?: string; namespace?: string };
    spec: {
        podSelector: LabelSelector;
        policyTypes?: ("Ingress" | "Egress")[];
        ingress?: { from?: Peer[]; ports?: PolicyPort[] }[];
        egress?: { to?: Peer[]; ports?: PolicyPort[] }[];
    };
}

interface Peer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
    protocol?: string;
    port?: number | string;
    endPort?: number;
}

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface PodEndpoint {
    kind: "pod";
    namespace: string;
    labels: Record<string, string>;
    ports: { name?: string; containerPort: number; protocol?: string }[];
    ip?: string;
}
interface IpEndpoint {
    kind: "ip";
    ip: string;
}
export type Endpoint = PodEndpoint | IpEndpoint;

interface Connection {
    from: Endpoint;
    to: Endpoint;
    port: number;
    protocol: Protocol;
}

function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    return (selector.matchExpressions ?? []).every((e) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const value = has ? labels[e.key] : undefined;
        switch (e.operator) {
            case "In":
                return value !== undefined && (e.values ?? []).includes(value);
            case "NotIn":
                return value === undefined || !(e.values ?? []).includes(value);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                throw new Error(`unknown selector operator ${String((e as { operator: unknown }).operator)}`);
        }
    });
}

function policyTypes(p: NetworkPolicyObject): ("Ingress" | "Egress")[] {
    if (p.spec.policyTypes && p.spec.policyTypes.length > 0) return p.spec.policyTypes;
    return (p.spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

function ipInBlock(ip: string, block: { cidr: string; except?: string[] }): boolean {
    const addr = parseIp(ip);
    if (typeof addr === "string") throw new Error(addr);
    const cidr = (text: string) => {
        const c = parseCidr(text);
        if (typeof c === "string") throw new Error(`ipBlock ${c}`);
        return c;
    };
    return containsIp(cidr(block.cidr), addr) && !(block.except ?? []).some((e) => containsIp(cidr(e), addr));
}

function peerMatches(peer: Peer, policyNamespace: string, namespaces: Record<string, Record<string, string>>, e: Endpoint): boolean {
    if (peer.ipBlock) return e.ip !== undefined && ipInBlock(e.ip, peer.ipBlock);
    if (e.kind !== "pod") return false;
    const nsOk = peer.namespaceSelector
        ? selectorMatches(peer.namespaceSelector, namespaces[e.namespace] ?? {})
        : e.namespace === policyNamespace;
    return nsOk && selectorMatches(peer.podSelector, e.labels);
}

function portMatches(ports: PolicyPort[] | undefined, c: Connection): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== c.protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port === "number") return p.endPort === undefined ? c.port === p.port : c.port >= p.port && c.port <= p.endPort;
        // A named port: the destination pod's container port of that name and protocol.
        return (
            c.to.kind === "pod" &&
            c.to.ports.some((cp) => cp.name === p.port && (cp.protocol ?? "TCP") === c.protocol && cp.containerPort === c.port)
        );
    });
}

function direction(
    policies: NetworkPolicyObject[],
    namespaces: Record<string, Record<string, string>>,
    c: Connection,
    dir: "Ingress" | "Egress",
): boolean {
    const self = dir === "Ingress" ? c.to : c.from;
    const other = dir === "Ingress" ? c.from : c.to;
    if (self.kind !== "pod") return true;
    const selecting = policies.filter(
        (p) =>
            (p.metadata.namespace ?? "") === self.namespace &&
            policyTypes(p).includes(dir) &&
            selectorMatches(p.spec.podSelector, self.labels),
    );
    if (selecting.length === 0) return true;
    return selecting.some((p) => {
        const rules =
            dir === "Ingress"
                ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
                : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
        return rules.some(
            (r) =>
                (!r.peers || r.peers.length === 0 || r.peers.some((peer) => peerMatches(peer, self.namespace, namespaces, other))) &&
                portMatches(r.ports, c),
        );
    });
}

/** True when the policies let `c.from` open `c.to:c.port/c.protocol`. `namespaces` maps namespace names to their labels. */
export function connectionAllowed(
    policies: NetworkPolicyObject[],
    namespaces: Record<string, Record<string, string>>,
    c: Connection,
): boolean {
    return direction(policies, namespaces, c, "Egress") && direction(policies, namespaces, c, "Ingress");
}
