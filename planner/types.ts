/** The machine-readable plan written by `npm run plan -- --json FILE` and read by every offline tool. */

export interface PlanResource {
    urn: string;
    /** Pulumi type token, e.g. `azure-native:network:VirtualNetwork`. */
    type: string;
    /** Pulumi logical name. */
    name: string;
    /** URN of the parent resource (the stack or a component). */
    parent: string;
    /** URN of the explicit provider (the Kubernetes provider for Kubernetes objects), null for the default one. */
    provider: string | null;
    /** True for component resources (no cloud object of their own). */
    component: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    /** Explicit `dependsOn` edges only. */
    dependsOn: string[];
    /** All dependencies: explicit `dependsOn` plus implicit ones through Output inputs. */
    dependencies: string[];
    aliases: string[];
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    deletedWith: string | null;
    /** Resource inputs, every secret value replaced by `[secret]` (lib/secretMarker.ts). */
    inputs: Record<string, unknown>;
    /** Property paths (dot/bracket notation) of the inputs that were secret. */
    secretInputs: string[];
}

export interface PlanOutput {
    value: unknown;
    secret: boolean;
}

/** What the plan shows about the configuration itself (lib/config.ts). */
export interface PlanConfigNotices {
    environment: string;
    /** Shown, but they do not stop the plan (an AKS minor near its end of life, example sources in dev). */
    warnings: string[];
    /** prod baseline waivers in force, each with its reason. */
    waivers: { name: string; reason: string }[];
}

/** `I`: the insights a layer above the planner adds (insights/: cost and deploy time), unknown to the planner. */
export interface Plan<I = unknown> {
    project: string;
    stack: string;
    resources: PlanResource[];
    /** Stack outputs; secret ones hold `[secret]`. */
    outputs: Record<string, unknown>;
    /** Names of the stack outputs that are secret. */
    secretOutputs: string[];
    /** Environment, config warnings and prod waivers in force. */
    config?: PlanConfigNotices;
    /** Added by the insights step (cost and deploy time, insights/index.ts), when computed. */
    insights?: I;
}
