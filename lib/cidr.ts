import { Address4 } from "ip-address";

/** Thin helpers over `ip-address` for the address checks the config needs. */

export interface Cidr {
    text: string;
    prefix: number;
    first: bigint;
    last: bigint;
}

/** Parses `a.b.c.d/n`; returns an error message instead of throwing. */
export function parseCidr(text: string): Cidr | string {
    if (typeof text !== "string" || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text)) {
        return `"${String(text)}" is not an IPv4 CIDR (a.b.c.d/n)`;
    }
    if (!Address4.isValid(text)) {
        return `"${text}" is not a valid IPv4 CIDR`;
    }
    const addr = new Address4(text);
    const first = addr.startAddress().bigInt();
    if (addr.bigInt() !== first) {
        return `"${text}" has host bits set (the network address is ${addr.startAddress().correctForm()}/${addr.subnetMask})`;
    }
    return { text, prefix: addr.subnetMask, first, last: addr.endAddress().bigInt() };
}

/** Parses a bare IPv4 address into a number. */
export function parseIp(text: string): bigint | string {
    if (typeof text !== "string" || !/^\d{1,3}(\.\d{1,3}){3}$/.test(text) || !Address4.isValid(text)) {
        return `"${String(text)}" is not an IPv4 address`;
    }
    return new Address4(text).bigInt();
}

function ipToString(ip: bigint): string {
    return Address4.fromBigInt(ip).correctForm();
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

export function containsIp(c: Cidr, ip: bigint): boolean {
    return c.first <= ip && ip <= c.last;
}

/**
 * Azure reserves five addresses in every subnet: the network address, .1 (gateway), .2 and .3 (DNS)
 * and the broadcast address. https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq
 */
export function isAzureReserved(c: Cidr, ip: bigint): boolean {
    return ip - c.first <= 3n || ip === c.last;
}

/** The `n`-th address of a subnet (0 = network address). */
export function hostAt(c: Cidr, offset: number): string {
    return ipToString(c.first + BigInt(offset));
}

/** Addresses usable by resources in an Azure subnet (size minus the 5 reserved). */
export function usableAzureAddresses(c: Cidr): number {
    return Number(c.last - c.first + 1n) - 5;
}

/** How many addresses a set of CIDRs covers together (overlaps counted once). */
export function addressCount(cidrs: readonly Cidr[]): bigint {
    const sorted = [...cidrs].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let total = 0n;
    let end = -1n;
    for (const c of sorted) {
        const start = c.first > end ? c.first : end + 1n;
        if (c.last >= start) total += c.last - start + 1n;
        if (c.last > end) end = c.last;
    }
    return total;
}
