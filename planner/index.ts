import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { parseConfig, rawConfig } from "../lib/config";
import { captureRegistrations, Registration } from "./capture";
import { AzureLikeMocks } from "./mocks";
import type { Profiler } from "./profile";
import { listStacks as stackFiles, loadStackConfig as readStackConfig, StackConfigSource } from "./stackConfig";
import { SECRET_MARKER } from "../lib/secretMarker";
import { Plan, PlanConfigNotices, PlanResource } from "./types";

/**
 * The offline plan: runs the Pulumi program (index.ts) under mocks with one stack's configuration,
 * exactly as the engine would hand it over (project defaults + stack file, values as strings), and
 * records what the engine would receive for every resource: inputs, options and dependencies.
 *
 * A Pulumi program registers its resources once per process, so call `planStack` once per process
 * (the plan CLI does; Jest gives every test file its own module registry).
 */

export const REPO_ROOT = path.resolve(__dirname, "..");

export { OFFLINE_SECRET_PLACEHOLDER, StackConfigError } from "./stackConfig";
export type { StackConfigSource } from "./stackConfig";

/** Pulumi.yaml defaults and Pulumi.<stack>.yaml read as the Pulumi CLI reads them (planner/stackConfig.ts). */
export function loadStackConfig(stack: string, root = REPO_ROOT, overrides: Record<string, unknown> = {}): StackConfigSource {
    return readStackConfig(stack, root, overrides);
}

export function listStacks(root = REPO_ROOT): string[] {
    return stackFiles(root);
}

/** What the cost estimate of a plan needs besides the plan: the stack's region and its data volume (`costDataTb`). */
export interface InsightsContext {
    location: string;
    dataTb: number;
}

export interface PlanOptions<I> {
    /** Extra config values (`key` or `<project>:key`) layered over the stack file, as in tests. */
    overrides?: Record<string, unknown>;
    /** The program module to run; defaults to the repository's index.ts. */
    programPath?: string;
    /**
     * Computes the plan's insights (`npm run plan` passes insights/'s `computeInsights`); none when absent. The
     * planner itself knows no insights: they depend on the plan, never the reverse.
     */
    insights?: (plan: Plan, context: InsightsContext) => I;
    /** Receives the end of the program evaluation, capture and insights phases. */
    profiler?: Profiler;
}

/** Runs the program for `stack` under mocks and returns its plan (secrets redacted). */
export async function planStack<I = never>(stack: string, options: PlanOptions<I> = {}): Promise<Plan<I>> {
    const source = loadStackConfig(stack, REPO_ROOT, options.overrides);
    // Bad config stops here with the program's own message, before anything is run.
    const notices = configNotices(source, stack);
    pulumi.runtime.setAllConfig(source.config, source.secretKeys);
    await pulumi.runtime.setMocks(new AzureLikeMocks(), source.project, stack, false);
    const captured = captureRegistrations();

    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program and runtime internals are loaded at run time, after the mocks are installed
    const program = require(options.programPath ?? path.join(REPO_ROOT, "index"));
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    // In name order, as the Pulumi CLI shows them (module loaders differ in export order).
    for (const [key, value] of Object.entries(program).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const resolved = await resolveOutput(value);
        outputs[key] = resolved.secret ? SECRET_MARKER : resolved.value;
        if (resolved.secret) secretOutputs.push(key);
    }
    await waitForRegistrations();
    options.profiler?.mark("program evaluation");
    const plan: Plan<I> = { ...buildPlan(source.project, stack, captured, outputs, secretOutputs), config: notices };
    options.profiler?.mark("capture");
    if (options.insights) {
        const dataTb = Number(source.config[`${source.project}:costDataTb`] ?? 0);
        plan.insights = options.insights(plan, { location: String(outputs.location), dataTb });
        options.profiler?.mark("insights");
    }
    return plan;
}

/** The environment, the config warnings and the prod waivers in force, as the program's parseConfig sees them. */
export function configNotices(source: StackConfigSource, stack: string, today?: Date): PlanConfigNotices {
    const { raw, secretKeys } = rawConfig(source.project, source.config, source.secretKeys);
    const cfg = parseConfig(raw, { project: source.project, stack, today, secretKeys });
    return { environment: cfg.environment, warnings: cfg.warnings, waivers: cfg.waivers };
}

/** Resolves a stack export (Output, promise or plain value), telling whether any part was secret. */
export async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as pulumi.Output<unknown>;
        const secret = await pulumi.isSecret(o);
        const inner = await new Promise<unknown>((resolve) =>
            o.apply((x) => {
                resolve(x);
                return x;
            }),
        );
        const deep = await resolveOutput(inner);
        return { value: secret ? SECRET_MARKER : deep.value, secret: secret || deep.secret };
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
    if (secretSet.has(p)) return SECRET_MARKER;
    if (Array.isArray(v)) return v.map((x, i) => redact(x, secretSet, `${p}[${i}]`));
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, secretSet, p ? `${p}.${k}` : k)]));
    }
    return v;
}

function buildPlan(
    project: string,
    stack: string,
    captured: Registration[],
    outputs: Record<string, unknown>,
    secretOutputs: string[],
): Plan<never> {
    return { project, stack, resources: planResources(project, stack, captured), outputs, secretOutputs };
}

/** The plan's view of captured registrations (secrets redacted, explicit and implicit dependencies apart). */
export function planResources(project: string, stack: string, captured: Registration[]): PlanResource[] {
    const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const providerUrn = (ref: string) => (ref ? ref.split("::").slice(0, -1).join("::") : null);
    return captured
        .filter((c) => c.urn)
        .map((c) => {
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
}
