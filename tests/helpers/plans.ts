import * as fs from "fs";
import * as path from "path";
import { Plan, PlanResource } from "../../planner/types";

/**
 * Where tests/globalSetup.ts writes the plan of every stack for this test run: inside this checkout (not
 * node_modules, which checkouts may share), so two runs in two checkouts never read each other's plans.
 */
export const PLAN_CACHE_DIR = path.resolve(__dirname, "../../.cache/plans");

export const STACKS = fs
    .readdirSync(path.resolve(__dirname, "../.."))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();

const cache = new Map<string, Plan>();

/** The plan of a stack, as `npm run plan -- --stack <stack> --json` writes it. */
export function loadPlan(stack: string): Plan {
    if (!cache.has(stack)) {
        const file = path.join(PLAN_CACHE_DIR, `${stack}.json`);
        if (!fs.existsSync(file))
            throw new Error(`no plan for stack ${stack} at ${file}: run the suite through jest (globalSetup plans every stack)`);
        cache.set(stack, JSON.parse(fs.readFileSync(file, "utf8")));
    }
    return cache.get(stack)!;
}

/** Resources of a given Pulumi type token. */
export function ofType(plan: Plan, type: string): PlanResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** The one resource of a type (fails loudly when there are none or several). */
export function one(plan: Plan, type: string, name?: string): PlanResource {
    const found = ofType(plan, type).filter((r) => name === undefined || r.name === name);
    const [only] = found;
    if (found.length !== 1 || !only)
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""} in ${plan.stack}, found ${found.length}`);
    return only;
}

/** A custom resource of a plan with every option at its default; `fields` gives its identity and what differs. */
export function planResource(fields: Pick<PlanResource, "urn" | "type" | "name"> & Partial<PlanResource>): PlanResource {
    return {
        parent: "",
        provider: null,
        component: false,
        protect: false,
        retainOnDelete: false,
        ignoreChanges: [],
        dependsOn: [],
        dependencies: [],
        aliases: [],
        replaceOnChanges: [],
        deleteBeforeReplace: false,
        deletedWith: null,
        inputs: {},
        secretInputs: [],
        ...fields,
    };
}
