import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/**
 * Loads a stack's configuration offline the way the Pulumi CLI does before it runs the program, and refuses
 * what the CLI refuses, with the CLI's own messages. The rules, from github:pulumi/pulumi (master, read 2026-12-02):
 * - Pulumi.yaml (sdk/go/common/workspace/project.go, Project.Validate): a key may not have both `default` and
 *   `value`; an `array` needs `items`; a typed key's default must be of its type; a key of another namespace
 *   may have neither a type nor a default, and must have a `value`. Types: string, integer, boolean, array, object
 *   (project.json, simpleConfigType).
 * - Stack keys are `<namespace>:<name>` (or the legacy `<namespace>:config:<name>`)
 *   (sdk/go/common/resource/config/key.go, ParseKey).
 * - Merge (pkg/workspace/config.go, mergeConfig): a declared key of the project's namespace that the stack does
 *   not set takes its default or value, as a plain (not secure) value; without either it is missing, and every
 *   missing key is reported at once.
 * - Validation (pkg/workspace/config.go, validateStackConfigValue), for every declared key with a type: a
 *   `secret: true` key must hold a secure value, and this applies to a default too, which is never secure; the
 *   value must be of the declared type (workspace.ValidateConfigValue: integers may be strings that parse, booleans
 *   the strings "true"/"false", arrays and objects must be YAML sequences/maps; a YAML null is an object value
 *   `null`, which no type accepts).
 * Ciphertext cannot be decrypted offline: a `secure:` value becomes a placeholder that stays secret.
 */

export const OFFLINE_SECRET_PLACEHOLDER = "offline-placeholder-secret";

export interface StackConfigSource {
    project: string;
    /** `<namespace>:<key>` -> value as the engine passes it (strings; arrays and objects as JSON). */
    config: Record<string, string>;
    /** Full keys whose values are secrets (`secure:` in the stack file). */
    secretKeys: string[];
}

/** A stack configuration the Pulumi CLI would refuse, or a file that is not YAML. */
export class StackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackConfigError";
    }
}

interface Declared {
    type?: string;
    items?: ItemsType;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}
/** The parts of Pulumi.yaml and Pulumi.<stack>.yaml this loader reads (YAML gives no more than that guarantee). */
interface ConfigFile {
    name?: string;
    config?: Record<string, Declared | null> | null;
}
interface ItemsType {
    type?: string;
    items?: ItemsType;
}
interface Value {
    text: string;
    secure: boolean;
    object: boolean;
    where: string;
}

const TYPES = ["string", "integer", "boolean", "array", "object"];

/** Parses a YAML file; a syntax error names the file, line and column. Returns the data and a key locator. */
function readYaml(file: string, root: string): { data: ConfigFile; where: (keyPath: string[]) => string } {
    const name = path.relative(root, file) || file;
    const lineCounter = new YAML.LineCounter();
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"), { lineCounter, uniqueKeys: true });
    if (doc.errors.length > 0) {
        throw new StackConfigError(
            doc.errors
                .map((e) => {
                    const pos = e.linePos?.[0];
                    return `${name}:${pos ? `${pos.line}:${pos.col}` : "?"}: ${e.message.split("\n")[0]}`;
                })
                .join("\n"),
        );
    }
    const where = (keyPath: string[]) => {
        const pair = (doc.getIn(keyPath.slice(0, -1), true) as YAML.YAMLMap | undefined)?.items?.find(
            (p) => YAML.isScalar(p.key) && p.key.value === keyPath.at(-1),
        );
        const offset = pair && YAML.isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        if (offset === undefined) return name;
        const pos = lineCounter.linePos(offset);
        return `${name}:${pos.line}:${pos.col}`;
    };
    return { data: doc.toJS() ?? {}, where };
}

/** config.ParseKey: `<namespace>:<name>`, or `<namespace>:config:<name>`. */
function parseKey(key: string): { ns: string; name: string } | undefined {
    const parts = key.split(":");
    if (parts.length === 2 && parts[0] && parts[1]) return { ns: parts[0], name: parts[1] };
    if (parts.length === 3 && parts[1] === "config" && parts[0] && parts[2]) return { ns: parts[0], name: parts[2] };
    return undefined;
}

/** A value as the CLI holds it (MarshalString): primitives as text, sequences, maps and null as JSON objects. */
function toValue(v: unknown, where: string): Value {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
        return { text: OFFLINE_SECRET_PLACEHOLDER, secure: true, object: false, where };
    }
    if (typeof v === "string") return { text: v, secure: false, object: false, where };
    if (typeof v === "number" || typeof v === "boolean") return { text: String(v), secure: false, object: false, where };
    return { text: JSON.stringify(v ?? null), secure: false, object: true, where };
}

/** workspace.ValidateConfigValue. */
function matchesType(type: string | undefined, items: ItemsType | undefined, v: unknown): boolean {
    switch (type) {
        case "string":
            return typeof v === "string";
        case "integer":
            return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^[+-]?\d+$/.test(v));
        case "boolean":
            return typeof v === "boolean" || v === "true" || v === "false";
        case "object":
            return v !== null && typeof v === "object" && !Array.isArray(v);
        default:
            return Array.isArray(v) && !!items && v.every((x) => matchesType(items.type, items.items, x));
    }
}
const typeName = (type: string | undefined, items?: ItemsType): string =>
    items ? `array<${typeName(items.type, items.items)}>` : String(type);

function validateProject(project: ConfigFile, file: string): string[] {
    const errors: string[] = [];
    if (!project.name) return [`${file}: project is missing a 'name' attribute`];
    for (const [key, decl] of Object.entries<Declared | null>(project.config ?? {})) {
        const d = decl ?? {};
        if (d.default !== undefined && d.value !== undefined)
            errors.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (!key.includes(":") || key.startsWith(`${project.name}:`)) {
            if (d.type !== undefined && !TYPES.includes(d.type))
                errors.push(`configuration key '${key}' has type '${d.type}': Pulumi knows ${TYPES.join(", ")}`);
            if (d.type === "array" && !d.items)
                errors.push(
                    `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
                );
            if (d.type !== undefined && d.default !== undefined && !matchesType(d.type, d.items, d.default)) {
                errors.push(
                    `The default value specified for configuration key '${key}' is not of the expected type '${typeName(d.type, d.items)}'`,
                );
            }
        } else {
            if (d.type !== undefined)
                errors.push(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
            if (d.default !== undefined)
                errors.push(
                    `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
                );
            else if (d.value === undefined) errors.push(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
    return errors;
}

const formatKeys = (keys: string[]) => {
    const q = [...keys].sort().map((k) => `'${k}'`);
    return q.length === 1 ? q[0] : `${q.slice(0, -1).join(", ")} and ${q.at(-1)}`;
};

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml under `root` like the Pulumi CLI, with `overrides` (`key` or
 * `<namespace>:key`) layered over the stack file as `pulumi config set` would (a JSON array or object string
 * counts as `--json`). Throws StackConfigError with every problem the CLI would report.
 */
export function loadStackConfig(stack: string, root: string, overrides: Record<string, unknown> = {}): StackConfigSource {
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile))
        throw new StackConfigError(`no stack file ${path.basename(stackFile)} (stacks: ${listStacks(root).join(", ")})`);
    const project = readYaml(path.join(root, "Pulumi.yaml"), root).data;
    const projectErrors = validateProject(project, "Pulumi.yaml");
    if (projectErrors.length) throw new StackConfigError(`Pulumi.yaml: ${projectErrors.join("\n  ")}`);
    const name = project.name ?? "";
    const { data: stackYaml, where } = readYaml(stackFile, root);

    const values = new Map<string, Value>();
    const errors: string[] = [];
    for (const [key, raw] of Object.entries<unknown>(stackYaml.config ?? {})) {
        const k = parseKey(key);
        if (!k)
            errors.push(
                `${where(["config", key])}: could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
            );
        else values.set(`${k.ns}:${k.name}`, toValue(raw, where(["config", key])));
    }
    for (const [key, raw] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        let v = raw;
        if (typeof raw === "string" && /^\s*[[{]/.test(raw)) {
            try {
                v = JSON.parse(raw);
            } catch {
                /* a plain string */
            }
        }
        values.set(full, toValue(v, `--set ${key}`));
    }

    const declared = Object.entries<Declared | null>(project.config ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    const missing: string[] = [];
    for (const [key, decl] of declared) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        if (values.has(full)) continue;
        const d = decl ?? {};
        const value = d.default !== undefined ? d.default : d.value;
        if (value !== undefined) values.set(full, toValue(value, `Pulumi.yaml default of ${key}`));
        else if (full.startsWith(`${name}:`)) missing.push(key);
    }
    if (missing.length)
        errors.push(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatKeys(missing)}`);
    for (const [key, decl] of declared) {
        const d = decl ?? {};
        const v = values.get(key.includes(":") ? key : `${name}:${key}`);
        if (!v || d.type === undefined) continue;
        if (d.secret && !v.secure)
            errors.push(`${v.where}: Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
        else if (!v.secure && !matchesType(d.type, d.items, v.object ? JSON.parse(v.text) : v.text)) {
            errors.push(`${v.where}: Stack '${stack}' with configuration key '${key}' must be of type '${typeName(d.type, d.items)}'`);
        }
    }
    if (errors.length) throw new StackConfigError(errors.join("\n"));

    const config = Object.fromEntries([...values].map(([k, v]) => [k, v.text]));
    return { project: name, config, secretKeys: [...values].filter(([, v]) => v.secure).map(([k]) => k) };
}

export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}
