/** Cross-cutting (docs/policy.md rule X): credentials are Pulumi secrets. */
import { StackValidationPolicy } from "@pulumi/policy";
import { SECRET_MARKER } from "../../lib/secretMarker";
import { K8S } from "../k8s";
import { extOpts, Props } from "../util";
import { at, mandatory } from "./common";

/** Input names whose values are credentials (matched on the last path segment, case-insensitively). */
export const SENSITIVE_KEY =
    /(password|secret|token|kubeconfig|kubeconfigs|connectionstrings?|privatekey|accountkey|accesskey|sharedkey|apikey|primarykey|secondarykey|sas)$/i;
export const NOT_SENSITIVE_KEY =
    /^(automountServiceAccountToken|allowSharedKey.*|disableKeyBased.*|.*SecretName|secretRef|tokenExpirationSeconds|keySource)$/i;

function plainSecrets(value: unknown, path: string, out: string[]): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => plainSecrets(v, `${path}[${i}]`, out));
        return;
    }
    if (!value || typeof value !== "object") return;
    for (const [k, v] of Object.entries(value as Props)) {
        const p = path ? `${path}.${k}` : k;
        if (SENSITIVE_KEY.test(k) && !NOT_SENSITIVE_KEY.test(k) && typeof v === "string" && v !== "" && v !== SECRET_MARKER) out.push(p);
        else plainSecrets(v, p, out);
    }
}

export const secrets: StackValidationPolicy = {
    name: "secrets-are-pulumi-secrets",
    description:
        'Cross-cutting (CKV_SECRET_*, Pulumi secrets): kubeconfigs, keys, passwords, tokens and connection strings are Pulumi secrets. Checked offline over the plan, where every secret input is replaced by "[secret]": a credential-named input, or a Kubernetes Secret\'s data/stringData value, that is plain text is a violation. Not applicable inside the engine, which hands policies secret values decrypted.',
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        if (!args.resources.some((r) => Array.isArray(extOpts(r).secretInputs))) {
            args.notApplicable("secret-ness of inputs is only visible in the plan (offline evaluation)");
        }
        for (const r of args.resources) {
            const found: string[] = [];
            plainSecrets(r.props ?? {}, "", found);
            if (r.type === K8S.Secret) {
                for (const field of ["data", "stringData"]) {
                    const values = r.props?.[field];
                    if (!values || typeof values !== "object") continue; // absent, or the whole field is "[secret]"
                    for (const [k, v] of Object.entries(values as Props)) {
                        if (v !== SECRET_MARKER && !found.includes(`${field}.${k}`)) found.push(`${field}.${k}`);
                    }
                }
            }
            if (found.length > 0) at(report, r)(`plain-text credential input(s): ${found.join(", ")} (wrap them in pulumi.secret)`);
        }
    },
};
