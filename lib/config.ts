import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { BuildContext, PlatformConfig, platformConfigSchema } from "./config/build";
import { checkAccessAndServices, checkKubernetesVersion, checkSizes, checkStack, checkStorage } from "./config/checks";
import { CheckContext } from "./config/context";
import { foreignKeyProblems, unknownKeyMessage } from "./config/keys";
import { checkNetwork } from "./config/network";
import { checkProdBaseline, checkWaiversUsed } from "./config/prod";
import { CONFIG_KEYS, ConfigKey, Fields, FIELD_SCHEMAS, ProdWaiver, SECRET_KEYS } from "./config/schema";

/**
 * Configuration of one stack: `parseConfig` turns the raw key/value map the Pulumi engine hands the program
 * (project defaults from Pulumi.yaml merged with Pulumi.<stack>.yaml) into the typed `PlatformConfig`, or
 * throws one `ConfigValidationError` naming every offending key. Pure: no resources, no I/O. Everything a
 * component would refuse is refused here, so nothing is declared when the config is bad.
 * The parts: config/schema.ts (one schema per key), config/keys.ts (which keys may exist), config/network.ts,
 * config/checks.ts and config/prod.ts (cross-field rules), config/build.ts (the typed shape).
 */

export type { PlatformConfig } from "./config/build";
export { CONFIG_KEYS, FIELD_SCHEMAS, PROD_WAIVERS, SECRET_KEYS, ZONE_REDUNDANT_REGIONS } from "./config/schema";
export type { ConfigKey, ProdWaiver } from "./config/schema";
export type EnvironmentKind = PlatformConfig["environment"];
export type StorageAuthMode = PlatformConfig["storage"]["authMode"];
export type MetadataStoreKind = PlatformConfig["metadataStore"]["kind"];
export type PostgresKind = PlatformConfig["postgres"]["kind"];
export type CosmosContainerSpec = PlatformConfig["cosmos"]["containers"][number];
export type ResourceSpec = PlatformConfig["pachyderm"]["pachd"];

export interface ConfigProblem {
    /** A config key (`zones`, `aksAuthorizedIpRanges[0]`), a namespaced foreign key (`azure-native:foo`), or `stack`. */
    key: string;
    message: string;
}

/** One error naming every offending key; a RunError so that Pulumi prints it without a stack trace. */
export class ConfigValidationError extends pulumi.RunError {
    constructor(
        public readonly problems: ConfigProblem[],
        namespace: string,
        stack?: string,
    ) {
        const label = (key: string) =>
            key.includes(":") ? key : key === "stack" ? `stack name${stack ? ` "${stack}"` : ""}` : `${namespace}:${key}`;
        super(
            `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${label(p.key)}: ${p.message}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

export interface ParseContext {
    /** Pulumi project name (the config namespace). */
    project: string;
    stack: string;
    /** The day support calendars are read against (tests pass a fixed one); default: now. */
    today?: Date;
    /** Keys (without namespace) whose values arrived as Pulumi secrets; absent = none did. */
    secretKeys?: Iterable<string>;
}

/** A value that YAML wrote as null (`key:` with nothing after it), as the engine or a YAML loader passes it. */
const isNull = (v: unknown) => v === null || v === "null" || v === "~";

/** Every key's own schema; values that pass go into `v`. */
function parseFields(raw: Record<string, unknown>, add: (key: string, message: string) => void): Partial<Fields> {
    const v: Partial<Fields> = {};
    for (const key of CONFIG_KEYS) {
        if (!(key in raw) || raw[key] === undefined) {
            add(
                key,
                key === "environment"
                    ? "is required: every stack states its environment, dev or prod (there is no default)"
                    : "is missing (Pulumi.yaml declares a default for it; is the project file present?)",
            );
            continue;
        }
        if (isNull(raw[key])) {
            add(key, "has no value (YAML null): give it a value or remove the line");
            continue;
        }
        const res = (FIELD_SCHEMAS[key] as z.ZodTypeAny).safeParse(raw[key]);
        if (res.success) (v as Record<string, unknown>)[key] = res.data;
        // Never echo a secret value back; zod messages do not include input values.
        else
            for (const issue of res.error.issues)
                add(`${key}${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`, issue.message);
    }
    return v;
}

/** Which keys exist, and which of them arrived as secrets. */
function checkKeys(raw: Record<string, unknown>, ctx: ParseContext, add: (key: string, message: string) => void): void {
    const keys = Object.keys(raw);
    for (const p of foreignKeyProblems(
        keys.filter((k) => k.includes(":")),
        ctx.project,
        CONFIG_KEYS,
    ))
        add(p.key, p.message);
    for (const key of keys.filter((k) => !k.includes(":") && !(k in FIELD_SCHEMAS))) add(key, unknownKeyMessage(key, CONFIG_KEYS));
    const secret = new Set(ctx.secretKeys ?? []);
    for (const key of CONFIG_KEYS) {
        const isSecretKey = SECRET_KEYS.has(key);
        if (secret.has(key) && !isSecretKey) {
            add(
                key,
                "arrived as a secret, but it is not a secret setting: it would be declassified into plain-text names and tags. Set it without --secret",
            );
        } else if (isSecretKey && !secret.has(key) && typeof raw[key] === "string" && raw[key] !== "") {
            add(key, "holds a secret in plain text: set it with `pulumi config set --secret` (the stack file then holds ciphertext)");
        }
    }
}

/**
 * Validates raw config (keys without the `<project>:` namespace; keys of other namespaces keep theirs) and
 * returns the typed config. Throws `ConfigValidationError` listing every problem; nothing is partially returned.
 */
export function parseConfig(raw: Record<string, unknown>, ctx: ParseContext): PlatformConfig {
    const problems: ConfigProblem[] = [];
    const add = (key: string, message: string) => problems.push({ key, message });
    const warnings: string[] = [];
    checkKeys(raw, ctx, add);
    const v = parseFields(raw, add);
    const used = new Set<ProdWaiver>();
    const c: CheckContext = {
        v,
        ok: (...keys: ConfigKey[]) => keys.every((k) => v[k] !== undefined),
        add,
        warn: (m) => warnings.push(m),
        prod: v.environment === "prod",
        waived: (name) => {
            const granted = v.environment === "prod" && v.prodWaivers?.[name] !== undefined;
            if (granted) used.add(name);
            return granted;
        },
        today: ctx.today ?? new Date(),
    };
    checkStack(c, ctx.stack);
    checkNetwork(c);
    checkKubernetesVersion(c);
    checkSizes(c);
    checkStorage(c);
    checkAccessAndServices(c);
    checkProdBaseline(c);
    checkWaiversUsed(c, used);
    if (problems.length > 0) throw new ConfigValidationError(problems, ctx.project, ctx.stack);

    const waivers = [...used].sort().map((name) => ({ name, reason: v.prodWaivers![name]! }));
    const build: BuildContext = { project: ctx.project, stack: ctx.stack, warnings, waivers };
    return platformConfigSchema(build).parse(raw);
}

/**
 * Namespaced config (`<namespace>:<key>` -> value) as parseConfig takes it: this project's keys without the
 * `<project>:` prefix, other namespaces' keys with theirs (so that parseConfig can refuse those this program
 * would ignore), and which of this project's keys arrived as secrets.
 */
export function rawConfig(
    project: string,
    all: Record<string, string>,
    secretFullKeys: Iterable<string>,
): { raw: Record<string, unknown>; secretKeys: string[] } {
    const prefix = `${project}:`;
    const local = (k: string) => (k.startsWith(prefix) ? k.slice(prefix.length) : k);
    return {
        raw: Object.fromEntries(Object.entries(all).map(([k, v]) => [local(k), v])),
        secretKeys: [...secretFullKeys].filter((k) => k.startsWith(prefix)).map(local),
    };
}

/** The config the engine passes to the program, as parseConfig takes it. */
export function configFromEngine(project: string): { raw: Record<string, unknown>; secretKeys: string[] } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- isConfigSecret is exported by the runtime but not declared in its typings
    const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
    const all = pulumi.runtime.allConfig();
    return rawConfig(
        project,
        all,
        Object.keys(all).filter((k) => isConfigSecret(k)),
    );
}
