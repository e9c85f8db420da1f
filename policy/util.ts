/**
 * Helpers shared by the policies of `policy/rules/`. Nothing here constructs a PolicyPack, so the
 * module can be loaded by the offline evaluator and the tests without starting the gRPC analyzer.
 */
import type {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidation,
    StackValidationArgs,
} from "@pulumi/policy";
import { normalizeType, ResourceType, resourceType } from "../lib/resourceTypes";
import { SECRET_MARKER } from "../lib/secretMarker";

/** Resource inputs as the engine hands them to policies (engine-facing: @pulumi/policy types them `Record<string, any>`). */
export type Props = PolicyResource["props"];
export type EnvKind = "prod" | "dev";

/**
 * Resource options beyond what `@pulumi/policy` 1.21 gives policies (`protect`, `ignoreChanges`,
 * `deleteBeforeReplace`, `aliases`, `customTimeouts`, `additionalSecretOutputs`, `parent`). The
 * Pulumi engine does NOT send these to analyzers; the offline evaluator (`policy/evaluate.ts`) fills
 * them from the plan. Policies check them only when present (`undefined` = engine run).
 */
export interface ExtendedResourceOptions {
    retainOnDelete?: boolean;
    replaceOnChanges?: string[];
    deletedWith?: string;
    dependsOn?: string[];
    /** Property paths of the inputs that were secret (plan only). */
    secretInputs?: string[];
}

export function extOpts(r: { opts: unknown }): ExtendedResourceOptions {
    return (r.opts ?? {}) as ExtendedResourceOptions;
}

// ------------------------------------------------------------------------------------------------
// Configuration and environment kind
// ------------------------------------------------------------------------------------------------

/** Config accepted by every production-aware policy: `environment` overrides the tag-derived kind. */
export const envConfigSchema: PolicyConfigSchema = {
    properties: {
        environment: { type: "string", enum: ["dev", "prod"] },
    },
};

function normaliseEnv(v: unknown): EnvKind | undefined {
    if (typeof v !== "string") return undefined;
    const s = v.toLowerCase();
    if (s === "prod" || s === "production") return "prod";
    if (s === "dev" || s === "development") return "dev";
    return undefined;
}

function configEnv(getConfig: () => object): EnvKind | undefined {
    return normaliseEnv((getConfig() as { environment?: unknown }).environment);
}

function tagEnv(props: Props | undefined): EnvKind | undefined {
    const tags = props?.tags;
    if (tags && typeof tags === "object") return normaliseEnv((tags as Props).environment);
    return undefined;
}

/**
 * Environment kind of one resource: policy config `environment`, else the resource's `environment`
 * tag, else the stack tag `environment`, else "dev".
 */
export function resourceEnv(args: ResourceValidationArgs): EnvKind {
    return configEnv(args.getConfig) ?? tagEnv(args.props) ?? normaliseEnv(args.stackTags?.get("environment")) ?? "dev";
}

/**
 * Environment kind of the stack: policy config `environment`, else "prod" when any Azure resource
 * carries `environment: prod`, else "dev" (Kubernetes objects carry no tags).
 */
export function stackEnv(args: StackValidationArgs): EnvKind {
    const fromConfig = configEnv(args.getConfig);
    if (fromConfig) return fromConfig;
    let sawDev = false;
    for (const r of args.resources) {
        if (!r.type.startsWith("azure-native:")) continue;
        const e = tagEnv(r.props);
        if (e === "prod") return "prod";
        if (e === "dev") sawDev = true;
    }
    if (sawDev) return "dev";
    return normaliseEnv(args.stackTags?.get("environment")) ?? "dev";
}

// ------------------------------------------------------------------------------------------------
// Type filtering: tokens of the registry (lib/resourceTypes.ts), matched in any spelling normalizeType folds
// ------------------------------------------------------------------------------------------------

/** A type token a policy selects: an Azure one of the registry, or a Kubernetes one (policy/k8s.ts). */
export type PolicyType = ResourceType | `kubernetes:${string}`;

/** Whether `type` (any spelling) is one of `types`. */
export function isOneOf(type: string, types: readonly PolicyType[]): boolean {
    const t = normalizeType(type);
    return types.some((x) => x === t);
}

/**
 * Like `validateResourceOfType`, for several type tokens: other types are `notApplicable`, exactly as
 * the library does for one class.
 */
export function validateResourceOfTypes(
    types: readonly PolicyType[],
    validate: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
    return (args, report) => {
        if (!isOneOf(args.type, types)) {
            args.notApplicable(`Policy only applies to resources of type ${types.map((t) => `'${t}'`).join(", ")}`);
        }
        return validate(args.props, args, report);
    };
}

/**
 * A stack validation that is `notApplicable` unless the stack holds at least one resource of one of
 * `types` (mirrors `validateStackResourcesOfType`, but keeps every resource in `args.resources`, as
 * cross-resource rules need them).
 */
export function stackWith(types: readonly PolicyType[], validate: StackValidation): StackValidation {
    return (args, report) => {
        if (!args.resources.some((r) => isOneOf(r.type, types))) {
            args.notApplicable(`No resources of type ${types.map((t) => `'${t}'`).join(", ")} in the stack`);
        }
        return validate(args, report);
    };
}

export function ofType(resources: PolicyResource[], ...types: readonly PolicyType[]): PolicyResource[] {
    return resources.filter((r) => isOneOf(r.type, types));
}

// ------------------------------------------------------------------------------------------------
// Links between resources
// ------------------------------------------------------------------------------------------------

/** The Azure name a resource is created with (its name input, lib/resourceTypes.ts), when known. */
export function azureName(r: PolicyResource): string | undefined {
    const key = resourceType(r.type)?.nameField;
    const v = key ? r.props?.[key] : undefined;
    return typeof v === "string" && v.length > 0 && v !== SECRET_MARKER ? v : undefined;
}

/** True when `a` depends on `b` (explicitly, through an input, or as its child). */
export function dependsOn(a: PolicyResource, b: PolicyResource): boolean {
    if (a.dependencies?.some((d) => d.urn === b.urn)) return true;
    for (const list of Object.values(a.propertyDependencies ?? {})) {
        if (list.some((d) => d.urn === b.urn)) return true;
    }
    return a.parent?.urn === b.urn;
}

/** Every string found anywhere in a value. */
export function strings(v: unknown, out: string[] = []): string[] {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
    else if (v && typeof v === "object") Object.values(v).forEach((x) => strings(x, out));
    return out;
}

/** True when some string in `value` is `name` or an Azure id segment `/name` (end or followed by `/`). */
export function mentionsName(value: unknown, name: string | undefined): boolean {
    if (!name) return false;
    const lname = name.toLowerCase();
    return strings(value).some((s) => {
        const ls = s.toLowerCase();
        return ls === lname || ls.endsWith(`/${lname}`) || ls.includes(`/${lname}/`);
    });
}

/** True when `a` refers to `b`: depends on it, or names it in one of its inputs. */
export function refersTo(a: PolicyResource, b: PolicyResource, within?: unknown): boolean {
    return dependsOn(a, b) || mentionsName(within ?? a.props, azureName(b));
}

/** `where` of a resource for messages. */
export function label(r: { type: string; name: string }): string {
    return `${r.type.split(":").pop()} '${r.name}'`;
}

// ------------------------------------------------------------------------------------------------
// Small value helpers
// ------------------------------------------------------------------------------------------------

export function eqi(a: unknown, b: string): boolean {
    return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

export function inI(a: unknown, list: string[]): boolean {
    return list.some((b) => eqi(a, b));
}

export function asArray<T = unknown>(v: unknown): T[] {
    return Array.isArray(v) ? (v as T[]) : [];
}

export function num(v: unknown): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
    return undefined;
}

export function hasAllZones(zones: unknown): boolean {
    const z = asArray<string>(zones).map(String);
    return ["1", "2", "3"].every((x) => z.includes(x));
}
