/**
 * Kubernetes resource quantities, parsed by the grammar of k8s.io/apimachinery pkg/api/resource/quantity.go:
 *   <quantity> ::= <signedNumber><suffix>;  <suffix> ::= <binarySI> | <decimalExponent> | <decimalSI>
 *   <binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei;  <decimalSI> ::= m | "" | k | M | G | T | P | E
 *   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
 * No library on npm parses these without pulling in a whole Kubernetes client, so this is a small strict
 * parser. Only what a resource request can hold is accepted: no sign, at most 3 decimal places (the API
 * server's precision is 1m, finer values are rounded up).
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^(\d+(?:\.\d{1,3})?|\.\d{1,3})(Ki|Mi|Gi|Ti|Pi|Ei|[eE]\d{1,2}|m|k|M|G|T|P|E)?$/;

interface Quantity {
    text: string;
    /** The value in base units (cores for CPU, bytes for memory). */
    value: number;
    /** True when the suffix is `m` (milli). */
    milli: boolean;
}

/** Parses a quantity; returns an error message for anything else. */
export function parseQuantity(text: string): Quantity | string {
    const m = QUANTITY.exec(text);
    if (!m) return `"${text.slice(0, 40)}" is not a Kubernetes quantity (such as 500m, 1, 512Mi, 2Gi)`;
    const [, num, suffix = ""] = m;
    const scale = BINARY[suffix] ?? DECIMAL[suffix] ?? 10 ** Number(suffix.slice(1));
    return { text, value: Number(num) * scale, milli: suffix === "m" };
}
