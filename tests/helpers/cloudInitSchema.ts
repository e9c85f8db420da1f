import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse } from "yaml";

/**
 * Validates cloud-init user-data with the real `cloud-init schema -c <file>` (Debian's cloud-init package).
 *
 * `cloud-init schema` (22.x, Debian 12) does not reject unknown top-level keys: a misspelled `runcmds:` is
 * reported as valid and then silently ignored on the VM. So this helper also checks every top-level key
 * against the keys declared by the installed cloud-init's own schema, and fails on any other.
 */

interface CloudConfigValidation {
    ok: boolean;
    output: string;
}

let available: boolean | undefined;
let knownKeys: ReadonlySet<string> | undefined;

function cloudInitWorks(): boolean {
    const r = spawnSync("cloud-init", ["--version"], { encoding: "utf8", timeout: 30_000 });
    return r.status === 0;
}

/**
 * True when `cloud-init` can be run. When it is missing, tries once per process to apt-get install it
 * (as root, or through passwordless sudo), refreshing the package lists if the first attempt fails.
 */
export function ensureCloudInit(): boolean {
    if (available !== undefined) return available;
    if (cloudInitWorks()) return (available = true);

    const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const apt = (...args: string[]): boolean => {
        const aptArgs = ["-o", "DPkg::Lock::Timeout=300", ...args];
        const options = { env, stdio: "ignore", timeout: 600_000 } as const;
        const r = asRoot ? spawnSync("apt-get", aptArgs, options) : spawnSync("sudo", ["-n", "apt-get", ...aptArgs], options);
        return r.status === 0;
    };
    const install = (): boolean => apt("install", "-y", "--no-install-recommends", "cloud-init");
    if (!install()) {
        apt("update");
        install();
    }
    return (available = cloudInitWorks());
}

/** The parts of a JSON schema node that can declare top-level keys. */
interface SchemaNode {
    $ref?: unknown;
    properties?: Record<string, unknown>;
    allOf?: SchemaNode[];
    anyOf?: SchemaNode[];
    oneOf?: SchemaNode[];
}

/** Top-level keys declared by the installed cloud-init's schema (read through its own Python module). */
function cloudInitTopLevelKeys(): ReadonlySet<string> {
    if (knownKeys !== undefined) return knownKeys;
    const which = spawnSync("sh", ["-c", "command -v cloud-init"], { encoding: "utf8" });
    const bin = which.stdout.trim();
    const shebang = /^#!(.+)/.exec(readFileSync(bin, "utf8"))?.[1];
    const [python = "python3", ...pythonArgs] = shebang?.trim().split(/\s+/) ?? [];
    const code = "import json\nfrom cloudinit.config.schema import get_schema\nprint(json.dumps(get_schema()))";
    const r = spawnSync(python, [...pythonArgs, "-c", code], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`could not read cloud-init's schema: ${r.stderr}`);
    const schema = JSON.parse(r.stdout) as SchemaNode & { $defs?: Record<string, SchemaNode> };

    const keys = new Set<string>();
    const visit = (node: SchemaNode | undefined, depth: number): void => {
        if (node === undefined || depth > 10) return;
        if (typeof node.$ref === "string" && node.$ref.startsWith("#/$defs/")) {
            visit(schema.$defs?.[node.$ref.slice("#/$defs/".length)], depth + 1);
        }
        Object.keys(node.properties ?? {}).forEach((k) => keys.add(k));
        for (const sub of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])]) visit(sub, depth + 1);
    };
    visit(schema, 0);
    if (keys.size < 20) throw new Error(`cloud-init's schema declares only ${keys.size} top-level keys: unexpected layout`);
    return (knownKeys = keys);
}

/** Runs `cloud-init schema -c` on `userData` (plus the unknown-top-level-key check) in a temp dir. */
export function validateCloudConfig(userData: string): CloudConfigValidation {
    if (!ensureCloudInit()) return { ok: false, output: "cloud-init is not installed and could not be installed" };
    const dir = mkdtempSync(join(tmpdir(), "cloud-config-"));
    try {
        const file = join(dir, "user-data.yaml");
        writeFileSync(file, userData, { mode: 0o600 });
        const r = spawnSync("cloud-init", ["schema", "-c", file], { encoding: "utf8", timeout: 120_000 });
        const outputs = [`${r.stdout ?? ""}${r.stderr ?? ""}`.trim()];
        let ok = r.status === 0;
        if (r.error) {
            ok = false;
            outputs.push(`cloud-init schema could not run: ${r.error.message}`);
        }
        if (ok) {
            let doc: unknown;
            try {
                doc = parse(userData, { version: "1.1" });
            } catch (e) {
                doc = undefined;
                ok = false;
                outputs.push(`YAML parse error: ${(e as Error).message}`);
            }
            if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
                const known = cloudInitTopLevelKeys();
                const unknown = Object.keys(doc).filter((k) => !known.has(k));
                if (unknown.length > 0) {
                    ok = false;
                    outputs.push(`Unknown top-level cloud-config key(s), ignored by cloud-init: ${unknown.join(", ")}`);
                }
            } else if (ok) {
                ok = false;
                outputs.push("cloud-config is not a mapping");
            }
        }
        return { ok, output: outputs.filter((o) => o !== "").join("\n") };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
