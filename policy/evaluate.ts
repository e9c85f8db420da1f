/**
 * Offline evaluator of the policy pack: runs the same policy objects as `pulumi preview --policy-pack
 * policy`, in-process, over a plan (`planner/types.ts`), without constructing a PolicyPack (which
 * would start the analyzer's gRPC server).
 *
 * It mirrors `@pulumi/policy` 1.21 `server.js` (makeAnalyzeRpcFun / makeAnalyzeStackRpcFun):
 * - enforcement level = policy config `enforcementLevel` ?? the policy's ?? the pack default
 *   ("advisory"); "disabled" skips the policy; "remediate" reports as "mandatory";
 * - resource policies run once per (custom) resource, over its inputs, with the fast type filter of
 *   `validateResourceOfType` (`__pulumiType` on the validation function); an array of validations
 *   runs in order;
 * - `args.notApplicable(reason)` throws; the throw is caught and recorded, like the engine does;
 * - stack policies receive every resource with `dependencies`, `parent` and `provider` resolved;
 * - `getConfig()` returns the policy's config without `enforcementLevel`.
 * Beyond the engine, resource options the engine does not send to analyzers (`retainOnDelete`,
 * `replaceOnChanges`, `deletedWith`, `dependsOn`) and the plan's `secretInputs` are added to `opts`
 * (see `ExtendedResourceOptions` in policy/util.ts).
 */
import type {
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import type { Plan, PlanResource } from "../planner/types";
import { allPolicies, AnyPolicy, NOT_SENSITIVE_KEY, RULE_OF, SENSITIVE_KEY } from "./rules";
import { SECRET_MARKER } from "../lib/secretMarker";
import type { ExtendedResourceOptions } from "./util";

export interface Violation {
    policy: string;
    rule: string;
    enforcementLevel: EnforcementLevel;
    /** URN of the resource in violation (undefined = the stack as a whole). */
    urn?: string;
    message: string;
}

export interface PolicyResult {
    name: string;
    rule: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    status: "pass" | "fail" | "n/a";
    violations: Violation[];
    /** Distinct notApplicable reasons (for "n/a"). */
    notApplicable: string[];
}

export interface Evaluation {
    violations: Violation[];
    perPolicy: PolicyResult[];
}

/**
 * Policy configuration as in a `--policy-config` file: `{ "<policy-name>": { enforcementLevel?, ...props } }`.
 * Offline convenience: properties under "all" are given to every policy (e.g. `{ all: { environment: "prod" } }`).
 */
export type PolicyConfigInput = Record<string, Record<string, unknown> | EnforcementLevel>;

const PACK_DEFAULT_LEVEL: EnforcementLevel = "advisory";
const DISABLED = "disabled by configuration";

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

function isResourcePolicy(p: AnyPolicy): p is AnyPolicy & { validateResource: ResourceValidation | ResourceValidation[] } {
    const v = (p as { validateResource?: unknown }).validateResource;
    return typeof v === "function" || (Array.isArray(v) && v.every((f) => typeof f === "function"));
}

function isStackPolicy(p: AnyPolicy): p is AnyPolicy & { validateStack: (a: StackValidationArgs, r: ReportViolation) => unknown } {
    return typeof (p as { validateStack?: unknown }).validateStack === "function";
}

function pulumiTypeOf(fn: unknown): string | undefined {
    const t = (fn as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" && t.length > 0 ? t : undefined;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const t = pulumiTypeOf(resourceClass);
    if (t) return type === t;
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function configFor(config: PolicyConfigInput, name: string): Record<string, unknown> {
    const norm = (c: Record<string, unknown> | EnforcementLevel | undefined): Record<string, unknown> =>
        typeof c === "string" ? { enforcementLevel: c } : { ...(c ?? {}) };
    const all = norm(config.all);
    delete all.enforcementLevel;
    return { ...all, ...norm(config[name]) };
}

function optsOf(r: PlanResource): PolicyResource["opts"] & ExtendedResourceOptions {
    return {
        protect: r.protect === true,
        ignoreChanges: r.ignoreChanges ?? [],
        aliases: (r.aliases ?? []).map(String),
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.parent ? { parent: r.parent } : {}),
        retainOnDelete: r.retainOnDelete === true,
        replaceOnChanges: r.replaceOnChanges ?? [],
        ...(r.deletedWith ? { deletedWith: r.deletedWith } : {}),
        dependsOn: r.dependsOn ?? [],
        secretInputs: r.secretInputs ?? [],
    };
}

/** Builds the engine's view of the stack's resources (PolicyResource with links resolved). */
export function toPolicyResources(resources: PlanResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const pairs = resources.map((r) => {
        const type = r.type;
        const props: PolicyResource["props"] = r.inputs ?? {};
        const pr: PolicyResource = {
            type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: unknown) => isTypeOf(type, cls),
            asType: ((cls: unknown) => (isTypeOf(type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, pr);
        return { r, pr };
    });
    for (const { r, pr } of pairs) {
        if (r.parent && byUrn.has(r.parent)) pr.parent = byUrn.get(r.parent);
        const deps = new Set([...(r.dependencies ?? []), ...(r.dependsOn ?? [])]);
        pr.dependencies = [...deps].map((u) => byUrn.get(u)).filter((d): d is PolicyResource => !!d);
        if (r.provider) {
            const prov = byUrn.get(r.provider) ?? byUrn.get(r.provider.split("::").slice(0, -1).join("::"));
            if (prov) pr.provider = { type: prov.type, props: prov.props, urn: prov.urn, name: prov.name };
        }
    }
    return pairs.map(({ pr }) => pr);
}

/** One policy's run: its result, its effective level and config, and the engine callbacks it is given. */
interface PolicyRun {
    policy: AnyPolicy;
    result: PolicyResult;
    level: EnforcementLevel;
    getConfig: <T extends object>() => T;
    stackTags: ReadonlyMap<string, string>;
    /** Records a notApplicable reason once. */
    notApplicable: (reason?: string) => void;
    report: (message: string, urn?: string) => void;
}

/** The result row of a policy, and its run unless the config disables it. */
function startPolicy(
    p: AnyPolicy,
    config: PolicyConfigInput,
    stackTags: ReadonlyMap<string, string>,
): { result: PolicyResult; run?: PolicyRun } {
    const cfg = configFor(config, p.name);
    const configured = (cfg.enforcementLevel as EnforcementLevel | undefined) || p.enforcementLevel || PACK_DEFAULT_LEVEL;
    const result: PolicyResult = {
        name: p.name,
        rule: RULE_OF[p.name] ?? "?",
        description: p.description,
        enforcementLevel: configured,
        status: "pass",
        violations: [],
        notApplicable: [],
    };
    if (configured === "disabled") {
        result.status = "n/a";
        result.notApplicable.push(DISABLED);
        return { result };
    }
    const level = configured === "remediate" ? "mandatory" : configured;
    result.enforcementLevel = level;
    const props: Record<string, unknown> = { ...cfg };
    delete props.enforcementLevel;
    const run: PolicyRun = {
        policy: p,
        result,
        level,
        getConfig: <T extends object>() => props as T,
        stackTags,
        notApplicable: (reason) => {
            if (!result.notApplicable.includes(reason ?? "")) result.notApplicable.push(reason ?? "");
        },
        report: (message, urn) => result.violations.push({ policy: p.name, rule: result.rule, enforcementLevel: level, urn, message }),
    };
    return { result, run };
}

/** Runs a validation; a notApplicable throw is recorded, any other error names `what`. Returns 1 when it applied. */
async function attempt(run: PolicyRun, what: string, validate: () => unknown): Promise<number> {
    try {
        await Promise.resolve(validate());
        return 1;
    } catch (e) {
        if (e instanceof NotApplicableError) {
            run.notApplicable(e.reason);
            return 0;
        }
        throw new Error(`Error validating ${what} with policy '${run.policy.name}': ${(e as Error).stack ?? e}`);
    }
}

/** Runs a resource policy on every custom resource; returns how many validations applied. */
async function runResourcePolicy(
    run: PolicyRun,
    validateResource: ResourceValidation | ResourceValidation[],
    resources: PlanResource[],
    policyResources: PolicyResource[],
): Promise<number> {
    const validations = Array.isArray(validateResource) ? validateResource : [validateResource];
    const fastType = Array.isArray(validateResource) ? undefined : pulumiTypeOf(validateResource);
    let applied = 0;
    for (const [i, plan] of resources.entries()) {
        const r = policyResources[i];
        if (!r || plan.component || plan.type.startsWith("pulumi:")) continue;
        if (fastType && r.type !== fastType) {
            run.notApplicable(`Policy only applies to resources of type '${fastType}'`);
            continue;
        }
        const report: ReportViolation = (message) => run.report(message, r.urn);
        const args: ResourceValidationArgs = {
            type: r.type,
            props: r.props,
            urn: r.urn,
            name: r.name,
            opts: r.opts,
            stackTags: run.stackTags,
            isType: r.isType,
            asType: r.asType as ResourceValidationArgs["asType"],
            getConfig: run.getConfig,
            notApplicable: throwNotApplicable,
            ...(r.provider ? { provider: r.provider } : {}),
        };
        for (const validation of validations) applied += await attempt(run, `resource ${r.urn}`, () => validation(args, report));
    }
    return applied;
}

/** Runs a stack policy over every resource; returns 1 when it applied. */
async function runStackPolicy(
    run: PolicyRun,
    validateStack: (a: StackValidationArgs, r: ReportViolation) => unknown,
    policyResources: PolicyResource[],
): Promise<number> {
    const fastType = pulumiTypeOf(validateStack);
    if (fastType && !policyResources.some((r) => r.type === fastType)) {
        run.notApplicable(`Policy only applies to resources of type '${fastType}'`);
        return 0;
    }
    const args: StackValidationArgs = {
        resources: policyResources,
        getConfig: run.getConfig,
        stackTags: run.stackTags,
        notApplicable: throwNotApplicable,
    };
    return attempt(run, "stack", () => validateStack(args, run.report));
}

/** Evaluates `policies` (default: the whole pack) over the resources of a plan. */
export async function evaluatePolicies(
    resources: PlanResource[],
    policies: AnyPolicy[] = allPolicies,
    config: PolicyConfigInput = {},
    stackTags: Record<string, string> = {},
): Promise<Evaluation> {
    const tags: ReadonlyMap<string, string> = new Map(Object.entries(stackTags));
    const policyResources = toPolicyResources(resources);
    const perPolicy: PolicyResult[] = [];
    for (const p of policies) {
        const { result, run } = startPolicy(p, config, tags);
        perPolicy.push(result);
        if (!run) continue;
        let applied = 0;
        if (isResourcePolicy(p)) applied = await runResourcePolicy(run, p.validateResource, resources, policyResources);
        else if (isStackPolicy(p)) applied = await runStackPolicy(run, p.validateStack, policyResources);
        result.status = result.violations.length > 0 ? "fail" : applied > 0 ? "pass" : "n/a";
    }
    return { violations: perPolicy.flatMap((r) => r.violations), perPolicy };
}

/** Violations that block a deployment. */
export function mandatoryViolations(e: Evaluation): Violation[] {
    return e.violations.filter((v) => v.enforcementLevel === "mandatory");
}

const SECRETS_POLICY = "secrets-are-pulumi-secrets";

/**
 * Evaluates a whole plan: the policies over its resources, plus (beyond what the engine can show a
 * policy) its stack outputs: a credential-named output that is not secret is reported under the
 * secrets policy.
 */
export async function evaluatePlan(plan: Plan, policies: AnyPolicy[] = allPolicies, config: PolicyConfigInput = {}): Promise<Evaluation> {
    const e = await evaluatePolicies(plan.resources, policies, config);
    const secrets = e.perPolicy.find((p) => p.name === SECRETS_POLICY);
    if (secrets && !secrets.notApplicable.includes(DISABLED)) {
        for (const [key, value] of Object.entries(plan.outputs ?? {})) {
            if (!SENSITIVE_KEY.test(key) || NOT_SENSITIVE_KEY.test(key)) continue;
            if (
                value === SECRET_MARKER ||
                (plan.secretOutputs ?? []).includes(key) ||
                value === undefined ||
                value === null ||
                value === ""
            )
                continue;
            const v: Violation = {
                policy: SECRETS_POLICY,
                rule: secrets.rule,
                enforcementLevel: secrets.enforcementLevel,
                message: `stack output '${key}' is a credential and is not secret (export it with pulumi.secret)`,
            };
            secrets.violations.push(v);
            e.violations.push(v);
            secrets.status = "fail";
        }
    }
    return e;
}
