/** Hand-built plan fixtures for the insights tests. */
import type { Plan, PlanResource } from "../../planner/types";

export const STACK = "urn:pulumi:test::proj::pulumi:pulumi:Stack::proj-test";

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::proj::${type}::${name}`;
}

export interface ResOpts {
    inputs?: Record<string, unknown>;
    parent?: string;
    /** Implicit (data) dependencies. */
    deps?: string[];
    /** Explicit dependsOn (also added to `dependencies`, as the planner does). */
    dependsOn?: string[];
    component?: boolean;
}

export function res(type: string, name: string, o: ResOpts = {}): PlanResource {
    const dependsOn = o.dependsOn ?? [];
    return {
        urn: urnOf(type, name),
        type,
        name,
        parent: o.parent ?? STACK,
        provider: null,
        component: o.component ?? false,
        protect: false,
        retainOnDelete: false,
        ignoreChanges: [],
        dependsOn,
        dependencies: [...new Set([...(o.deps ?? []), ...dependsOn])],
        aliases: [],
        replaceOnChanges: [],
        deleteBeforeReplace: false,
        deletedWith: null,
        inputs: o.inputs ?? {},
        secretInputs: [],
    };
}

export function component(type: string, name: string, parent?: string): PlanResource {
    return res(type, name, { component: true, parent });
}

export function plan(...resources: PlanResource[]): Plan {
    return {
        project: "proj",
        stack: "test",
        resources: [res("pulumi:pulumi:Stack", "proj-test", { component: true, parent: "" }), ...resources].map((r) =>
            r.type === "pulumi:pulumi:Stack" ? { ...r, urn: STACK } : r,
        ),
        outputs: {},
        secretOutputs: [],
    };
}
