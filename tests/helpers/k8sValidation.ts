/**
 * Schema validation of Kubernetes objects with the generated validators of `kubernetes-models`.
 *
 * kubernetes-models 5 ships ESM only, which Jest's CommonJS runtime cannot import, so its validator
 * modules are transpiled to CommonJS with TypeScript and evaluated here (they are plain generated code).
 * Its validators ignore unknown fields, so unknown fields are found separately by walking the object
 * along the package's TypeScript interfaces (the same OpenAPI definitions, as .d.ts).
 */
import * as fs from "fs";
import { builtinModules, createRequire } from "module";
import * as path from "path";
import * as ts from "typescript";

// Real path: node_modules may be a symlink (a git worktree sharing another checkout's), and resolution returns real paths.
const NODE_MODULES = fs.realpathSync(path.resolve(__dirname, "../../node_modules"));
const MODELS = path.join(NODE_MODULES, "kubernetes-models");

// ---- a tiny ESM -> CommonJS loader -----------------------------------------------------------------
const moduleCache = new Map<string, { exports: unknown }>();
/** Node's own loader, for CommonJS dependencies of the ESM files. */
const nodeRequire = createRequire(__filename);

/** A target of a package.json `exports` entry: a path, or conditions (https://nodejs.org/api/packages.html#conditional-exports). */
type ExportTarget = string | { import?: string; default?: string };

function resolvePackageFile(spec: string): string {
    const pkg = spec
        .split("/")
        .slice(0, spec.startsWith("@") ? 2 : 1)
        .join("/");
    const sub = "." + spec.slice(pkg.length);
    const pkgDir = path.join(NODE_MODULES, pkg);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { exports?: Record<string, ExportTarget> };
    const exportsMap = manifest.exports ?? {};
    const target = (entry: ExportTarget): string => {
        const file = typeof entry === "string" ? entry : (entry.import ?? entry.default);
        if (file === undefined) throw new Error(`${pkg}: no import or default target for ${sub}`);
        return file;
    };
    const exact = exportsMap[sub];
    if (exact !== undefined) return path.join(pkgDir, target(exact));
    for (const [key, value] of Object.entries(exportsMap)) {
        const star = key.indexOf("*");
        if (star < 0) continue;
        const [pre, post] = [key.slice(0, star), key.slice(star + 1)];
        if (sub.startsWith(pre) && sub.endsWith(post)) {
            const middle = sub.slice(pre.length, sub.length - post.length);
            return path.join(pkgDir, target(value).replace("*", middle));
        }
    }
    // Packages without an exports map (ajv-formats...): ordinary CommonJS resolution.
    return nodeRequire.resolve(spec, { paths: [NODE_MODULES] });
}

function loadModule(file: string): unknown {
    const cached = moduleCache.get(file);
    if (cached) return cached.exports;
    const source = fs.readFileSync(file, "utf8");
    const isEsm =
        /^\s*(import|export)\b|[;}\s](import\s*\{|import\s+\w|export\s)/m.test(source) ||
        file.includes(`${path.sep}kubernetes-models${path.sep}`) ||
        file.includes("@kubernetes-models");
    const mod: { exports: unknown } = { exports: {} };
    moduleCache.set(file, mod);
    if (!isEsm) {
        mod.exports = nodeRequire(file);
        return mod.exports;
    }
    const code = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const localRequire = (spec: string): unknown => {
        if (spec.startsWith(".")) {
            let target = path.resolve(path.dirname(file), spec);
            if (!fs.existsSync(target) && fs.existsSync(`${target}.js`)) target = `${target}.js`;
            return loadModule(target);
        }
        if (builtinModules.includes(spec.replace(/^node:/, ""))) return nodeRequire(spec);
        const resolved = resolvePackageFile(spec);
        const inEsmPackage = (() => {
            let dir = path.dirname(resolved);
            while (dir.startsWith(NODE_MODULES) && dir !== NODE_MODULES) {
                const pj = path.join(dir, "package.json");
                if (fs.existsSync(pj)) return JSON.parse(fs.readFileSync(pj, "utf8")).type === "module";
                dir = path.dirname(dir);
            }
            return false;
        })();
        return inEsmPackage ? loadModule(resolved) : nodeRequire(resolved);
    };
    new Function("exports", "require", "module", "__filename", "__dirname", code)(mod.exports, localRequire, mod, file, path.dirname(file));
    return mod.exports;
}

// ---- which model a manifest is ----------------------------------------------------------------------
interface ModelInfo {
    schemaFile: string;
    dtsFile: string;
    interfaceName: string;
}
const modelCache = new Map<string, ModelInfo | undefined>();

function modelFor(apiVersion: string, kind: string): ModelInfo | undefined {
    const key = `${apiVersion}/${kind}`;
    if (modelCache.has(key)) return modelCache.get(key);
    // `group/version`, or just `version` for the core group.
    const dir = path.join(MODELS, ...apiVersion.split("/"));
    const js = path.join(dir, `${kind}.js`);
    let info: ModelInfo | undefined;
    if (/^[A-Za-z0-9]+$/.test(kind) && fs.existsSync(js)) {
        const schema = /from"([^"]*_schemas\/[^"]+)"/.exec(fs.readFileSync(js, "utf8"))?.[1];
        if (schema !== undefined)
            info = { schemaFile: path.resolve(dir, schema), dtsFile: path.join(dir, `${kind}.d.ts`), interfaceName: `I${kind}` };
    }
    modelCache.set(key, info);
    return info;
}

// ---- unknown fields, from the TypeScript interfaces -------------------------------------------------
let program: ts.Program | undefined;
// Seeded with the usual kinds so that one program serves a whole stack (each rebuild costs about a second).
const roots = new Set<string>(
    [
        "v1/Namespace",
        "v1/ServiceAccount",
        "v1/Secret",
        "v1/ConfigMap",
        "v1/Service",
        "v1/PersistentVolumeClaim",
        "v1/PersistentVolume",
        "v1/Pod",
        "apps/v1/Deployment",
        "apps/v1/StatefulSet",
        "apps/v1/DaemonSet",
        "batch/v1/CronJob",
        "batch/v1/Job",
        "policy/v1/PodDisruptionBudget",
        "networking.k8s.io/v1/NetworkPolicy",
        "rbac.authorization.k8s.io/v1/Role",
        "rbac.authorization.k8s.io/v1/RoleBinding",
        "storage.k8s.io/v1/StorageClass",
    ].map((k) => path.join(MODELS, `${k}.d.ts`)),
);

function interfaceType(info: ModelInfo): { checker: ts.TypeChecker; type: ts.Type } {
    if (!program || !roots.has(info.dtsFile)) {
        roots.add(info.dtsFile);
        program = ts.createProgram(
            [...roots],
            {
                module: ts.ModuleKind.ESNext,
                moduleResolution: ts.ModuleResolutionKind.Bundler,
                target: ts.ScriptTarget.ES2022,
                noEmit: true,
                skipLibCheck: true,
                types: [],
            },
            undefined,
            program,
        );
    }
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(info.dtsFile);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === info.interfaceName);
    if (!symbol) throw new Error(`${info.dtsFile}: no exported ${info.interfaceName}`);
    return { checker, type: checker.getDeclaredTypeOfSymbol(symbol) };
}

function unknownFields(checker: ts.TypeChecker, type: ts.Type, value: unknown, at: string, out: string[]): void {
    if (value === null || typeof value !== "object") return;
    const t = checker.getNonNullableType(type);
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (Array.isArray(value)) {
        const element = checker.isArrayType(t) ? checker.getTypeArguments(t as ts.TypeReference)[0] : undefined;
        if (element) value.forEach((v, i) => unknownFields(checker, element, v, `${at}/${i}`, out));
        return;
    }
    // Unions (IntOrString, Quantity...): check against the object member if there is one.
    const candidates = t.isUnion() ? t.types.filter((m) => m.flags & ts.TypeFlags.Object) : [t];
    const [objType, ...others] = candidates;
    if (!objType || others.length > 0) return;
    const stringIndex = checker.getIndexTypeOfType(objType, ts.IndexKind.String);
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const prop = checker.getPropertyOfType(objType, key);
        if (prop) unknownFields(checker, checker.getTypeOfSymbol(prop), child, `${at}/${key}`, out);
        else if (stringIndex) unknownFields(checker, stringIndex, child, `${at}/${key}`, out);
        else out.push(`${at}/${key}: unknown field "${key}"`);
    }
}

// ---- public API --------------------------------------------------------------------------------------
/** Errors of one manifest (`[]` when valid): schema errors (types, required fields, enums, formats) and unknown fields. */
export function validateK8sObject(obj: unknown): string[] {
    if (!obj || typeof obj !== "object") return ["object: not an object"];
    const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion/kind: missing"];
    const info = modelFor(apiVersion, kind);
    if (!info) return [`${apiVersion} ${kind}: no model in kubernetes-models (unknown kind or API version)`];
    const errors: string[] = [];
    // The generated module exports an Ajv standalone validator (kubernetes-models' _schemas/*.js).
    const { validate } = loadModule(info.schemaFile) as {
        validate: ((data: unknown) => boolean) & {
            errors?: { instancePath: string; message?: string; keyword: string; params?: unknown }[];
        };
    };
    if (!validate(obj)) {
        for (const e of validate.errors ?? [])
            errors.push(`${e.instancePath || "/"}: ${e.message ?? e.keyword} ${e.params ? JSON.stringify(e.params) : ""}`.trim());
    }
    const { checker, type } = interfaceType(info);
    unknownFields(checker, type, obj, "", errors);
    return errors;
}

/** `validateK8sObject` over many manifests, each error prefixed with `Kind/namespace/name`. */
export function validateK8sObjects(objects: unknown[]): string[] {
    return objects.flatMap((o) => {
        const { kind, metadata } = (o ?? {}) as { kind?: string; metadata?: { namespace?: string; name?: string } };
        return validateK8sObject(o).map(
            (e) => `${kind}/${metadata?.namespace ?? "-"}/${metadata?.name ?? "?"}${e.startsWith("/") ? "" : " "}${e}`,
        );
    });
}
