import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { computeInsights } from "../insights";
import { captureRegistrations, Registration } from "./capture";
import { AzureLikeMocks } from "./mocks";
import { Plan, PlanResource, SECRET } from "./types";

/**
 * The offline plan: runs the Pulumi program (index.ts) under mocks with one stack's configuration,
 * exactly as the engine would hand it over (project defaults + stack file, values as strings), and
 * records what the engine would receive for every resource: inputs, options and dependencies.
 *
 * A Pulumi program registers its resources once per process, so call `planStack` once per process
 * (the plan CLI does; Jest gives every test file its own module registry).
 */

export const REPO_ROOT = path.resolve(__dirname, "..");

export interface StackConfigSource {
    project: string;
    /** `<project>:<key>` -> value as the engine passes it (strings; arrays and objects as JSON). */
    config: Record<string, string>;
    /** Keys whose values are secrets (`secure:` in the stack file or `secret: true` in Pulumi.yaml). */
    secretKeys: string[];
}

/** Reads Pulumi.yaml defaults and Pulumi.<stack>.yaml like the Pulumi CLI does. */
export function loadStackConfig(stack: string, root = REPO_ROOT, overrides: Record<string, unknown> = {}): StackConfigSource {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new Error(`no stack file ${path.basename(stackFile)} (stacks: ${listStacks(root).join(", ")})`);
    }
    const stackYaml = YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {};
    const name: string = project.name;
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const asEngineString = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    for (const [key, decl] of Object.entries<any>(project.config ?? {})) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        if (decl && typeof decl === "object" && "default" in decl) config[full] = asEngineString(decl.default);
        if (decl?.secret) secretKeys.add(full);
    }
    const values = { ...(stackYaml.config ?? {}), ...overrides };
    for (const [key, value] of Object.entries<any>(values)) {
        const full = key.includes(":") ? key : `${name}:${key}`;
        if (value && typeof value === "object" && "secure" in value) {
            // Ciphertext cannot be decrypted offline: stand in a placeholder and keep it secret.
            config[full] = "offline-placeholder-secret";
            secretKeys.add(full);
        } else {
            config[full] = asEngineString(value);
        }
    }
    return { project: name, config, secretKeys: [...secretKeys] };
}

export function listStacks(root = REPO_ROOT): string[] {
    return fs.readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}


export interface PlanOptions {
    /** Extra config values (`key` or `<project>:key`) layered over the stack file, as in tests. */
    overrides?: Record<string, unknown>;
    /** The program module to run; defaults to the repository's index.ts. */
    programPath?: string;
    /** Compute cost and deploy-time insights (default true). */
    insights?: boolean;
}

/** Runs the program for `stack` under mocks and returns its plan (secrets redacted). */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<Plan> {
    const source = loadStackConfig(stack, REPO_ROOT, options.overrides);
    pulumi.runtime.setAllConfig(source.config, source.secretKeys);
    await pulumi.runtime.setMocks(new AzureLikeMocks(), source.project, stack, false);
    const captured = captureRegistrations();

    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program and runtime internals are loaded at run time, after the mocks are installed
    const program = require(options.programPath ?? path.join(REPO_ROOT, "index"));
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(program)) {
        const resolved = await resolveOutput(value);
        outputs[key] = resolved.secret ? SECRET : resolved.value;
        if (resolved.secret) secretOutputs.push(key);
    }
    await waitForRegistrations();
    const plan = buildPlan(source.project, stack, captured, outputs, secretOutputs);
    if (options.insights !== false) {
        const dataTb = Number(source.config[`${source.project}:costDataTb`] ?? 0);
        plan.insights = computeInsights(plan, { location: String(outputs.location), dataTb });
    }
    return plan;
}

/** Resolves a stack export (Output, promise or plain value), telling whether any part was secret. */
export async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as pulumi.Output<unknown>;
        const secret = await pulumi.isSecret(o);
        const inner = await new Promise<unknown>((resolve) => o.apply((x) => { resolve(x); return x; }));
        const deep = await resolveOutput(inner);
        return { value: secret ? SECRET : deep.value, secret: secret || deep.secret };
    }
    if (value instanceof Promise) return resolveOutput(await value);
    if (Array.isArray(value)) {
        const items = await Promise.all(value.map(resolveOutput));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
        return { value: Object.fromEntries(entries.map(([k, r]) => [k, r.value])), secret: entries.some(([, r]) => r.secret) };
    }
    return { value, secret: false };
}

async function waitForRegistrations(): Promise<void> {
    // Let pending applies register their resources, then drain the RPC queue.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program and runtime internals are loaded at run time, after the mocks are installed
    const settings = require("@pulumi/pulumi/runtime/settings");
    for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        await settings.waitForRPCs();
    }
}

function redact(v: unknown, secretSet: Set<string>, p = ""): unknown {
    if (secretSet.has(p)) return SECRET;
    if (Array.isArray(v)) return v.map((x, i) => redact(x, secretSet, `${p}[${i}]`));
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, secretSet, p ? `${p}.${k}` : k)]));
    }
    return v;
}

function buildPlan(project: string, stack: string, captured: Registration[], outputs: Record<string, unknown>, secretOutputs: string[]): Plan {
    const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const providerUrn = (ref: string) => (ref ? ref.split("::").slice(0, -1).join("::") : null);
    const resources: PlanResource[] = captured.filter((c) => c.urn).map((c) => {
        const secrets = c.secretPaths;
        const inputs = redact(c.inputs, new Set(secrets)) as Record<string, unknown>;
        const implicit = new Set(c.propertyDependencies);
        const uniq = (xs: string[]) => [...new Set(xs)].filter(Boolean).sort();
        return {
            urn: c.urn!,
            type: c.type,
            name: c.name,
            parent: c.parent || stackUrn,
            provider: providerUrn(c.provider),
            component: !c.custom,
            protect: c.protect,
            retainOnDelete: c.retainOnDelete,
            ignoreChanges: c.ignoreChanges,
            dependsOn: uniq(c.dependencies.filter((d) => !implicit.has(d))),
            dependencies: uniq([...c.dependencies, ...c.propertyDependencies]),
            aliases: c.aliases,
            replaceOnChanges: c.replaceOnChanges,
            deleteBeforeReplace: c.deleteBeforeReplace,
            deletedWith: c.deletedWith || null,
            inputs,
            secretInputs: secrets,
        };
    });
    return { project, stack, resources, outputs, secretOutputs };
}
