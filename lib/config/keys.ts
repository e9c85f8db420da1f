/**
 * Which configuration keys a stack may hold, beyond the values themselves: every key of the project's
 * namespace must be declared (see FIELD_SCHEMAS), a namespace that is a near miss of the project's is a
 * typo, and keys of other namespaces are allowed only where they are settings this program reads.
 */

/**
 * Provider settings of azure-native (the `@pulumi/azure-native/config` module's exports; a test checks this
 * list against it). They configure the default provider, which every Azure resource here uses.
 * The Kubernetes objects use an explicit provider built from the cluster's kubeconfig, so `kubernetes:*`
 * settings would have no effect, and @pulumi/random has no settings: neither namespace is allowed.
 */
export const AZURE_NATIVE_SETTINGS = [
    "auxiliaryTenantIds",
    "clientCertificatePassword",
    "clientCertificatePath",
    "clientId",
    "clientSecret",
    "disableInstanceDiscovery",
    "disablePulumiPartnerId",
    "environment",
    "location",
    "metadataHost",
    "msiEndpoint",
    "oidcRequestToken",
    "oidcRequestUrl",
    "oidcToken",
    "oidcTokenFilePath",
    "partnerId",
    "subscriptionId",
    "tenantId",
    "useDefaultAzureCredential",
    "useMsi",
    "useOidc",
] as const;

/** Engine settings of the `pulumi:` namespace (https://www.pulumi.com/docs/iac/concepts/config/#pulumi-configuration-options). */
const PULUMI_SETTINGS = ["disable-default-providers", "tags"] as const;

const ALLOWED_FOREIGN: Record<string, readonly string[]> = { "azure-native": AZURE_NATIVE_SETTINGS, pulumi: PULUMI_SETTINGS };

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
    // One row of the table at a time, without its first column (the distance to the empty prefix of b).
    let prev = Array.from({ length: b.length }, (_, j) => j + 1);
    for (let i = 0; i < a.length; i++) {
        let diagonal = i;
        let left = i + 1;
        prev = prev.map((up, j) => {
            left = Math.min(up + 1, left + 1, diagonal + (a.charAt(i) === b.charAt(j) ? 0 : 1));
            diagonal = up;
            return left;
        });
    }
    return prev.at(-1) ?? a.length;
}

const fold = (s: string) => s.toLowerCase().replace(/[-_.]/g, "");

/** The closest of `candidates` to `word` (same letters up to case and `-`/`_`, or a few edits), if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
    const exact = candidates.find((c) => fold(c) === fold(word));
    if (exact) return exact;
    const limit = Math.max(2, Math.floor(word.length / 4));
    let best: { c: string; d: number } | undefined;
    for (const c of candidates) {
        const d = editDistance(fold(word), fold(c));
        if (d <= limit && (!best || d < best.d)) best = { c, d };
    }
    return best?.c;
}

interface KeyProblem {
    key: string;
    message: string;
}

/**
 * Problems with the namespaced keys (`<namespace>:<name>`) a stack holds outside the project's namespace:
 * near misses of the project namespace name the key they were probably meant to be.
 */
export function foreignKeyProblems(keys: readonly string[], project: string, declared: readonly string[]): KeyProblem[] {
    const problems: KeyProblem[] = [];
    for (const full of keys) {
        const idx = full.indexOf(":");
        const ns = full.slice(0, idx);
        const name = full.slice(idx + 1);
        if (ns === project) continue;
        const allowed = ALLOWED_FOREIGN[ns];
        if (allowed) {
            if (!allowed.includes(name)) {
                const hint = closest(name, allowed);
                problems.push({
                    key: full,
                    message: `is not a ${ns} setting${hint ? `: did you mean ${ns}:${hint}?` : ` (known: ${allowed.join(", ")})`}`,
                });
            }
            continue;
        }
        if (closest(ns, [project])) {
            const hint = closest(name, declared);
            problems.push({
                key: full,
                message: `namespace "${ns}" is not the project's "${project}": did you mean ${project}:${hint ?? name}? (the value is ignored as written)`,
            });
            continue;
        }
        const nsHint = closest(ns, Object.keys(ALLOWED_FOREIGN));
        problems.push({
            key: full,
            message: nsHint
                ? `unknown namespace "${ns}": did you mean ${nsHint}:${name}?`
                : `unknown namespace "${ns}": this program reads ${project}:*, azure-native:* and pulumi:* settings only`,
        });
    }
    return problems;
}

/** The message for an undeclared key of the project's namespace, with a suggestion when one is close. */
export function unknownKeyMessage(key: string, declared: readonly string[]): string {
    const hint = closest(key, declared);
    return `unknown configuration key${hint ? `: did you mean ${hint}?` : " (Pulumi.yaml declares the keys this program reads)"}`;
}
