import * as pulumi from "@pulumi/pulumi";
import { captureRegistrations, Registration } from "../../planner/capture";
import { planResources } from "../../planner";
import { AzureLikeMocks } from "../../planner/mocks";
import { evaluatePolicies, Evaluation, PolicyConfigInput } from "./policyEngine";
import type { PlacementArgs } from "../../lib/naming";
import { RESOURCE_TYPES, ResourceType } from "../../lib/resourceTypes";
import type { ProtectionArgs } from "../../components/azure/guard";

/**
 * Component tests under `pulumi.runtime.setMocks` with the project's Azure-like mocks.
 *
 * Mocks only see a resource's inputs; resource options (protect, retainOnDelete, dependsOn,
 * deletedWith...) travel in the RegisterResource request. `captureResources()` therefore wraps the
 * mock monitor's `registerResource` (planner/capture.ts, shared with the plan) and records both.
 *
 *     const captured = captureResources();           // once per test file, before any resource
 *     const s = new Storage("dev", args);
 *     await settle(s.accountName);                   // every child registered
 *     one(captured, "azure-native:storage:StorageAccount", "dev-account").inputs.sku
 */

/** The last segment of a type token: `azure-native:compute:Disk` -> `Disk`. */
type ShortName<T extends string> = T extends `${string}:${infer Rest}` ? ShortName<Rest> : T;

/**
 * The registry's type tokens (lib/resourceTypes.ts) by their last segment, so that tests name types from the one
 * table: `TYPE.Disk` is `azure-native:compute:Disk`. Two tokens with one last segment would be ambiguous: refused.
 */
export const TYPE = (() => {
    const byShortName: Record<string, string> = {};
    for (const token of Object.keys(RESOURCE_TYPES)) {
        const short = token.slice(token.lastIndexOf(":") + 1);
        if (byShortName[short] !== undefined) throw new Error(`TYPE: ${byShortName[short]} and ${token} share the name ${short}`);
        byShortName[short] = token;
    }
    return byShortName as { readonly [K in ResourceType as ShortName<K>]: K };
})();

/** What the engine would receive for one resource (see planner/capture.ts). */
export type Captured = Registration;

/** The project's Azure-like mocks (planner/mocks.ts). */
export class HarnessMocks extends AzureLikeMocks {}

let installed = false;

/** Installs the mocks (once per test file). */
export function installMocks(project = "pachyderm-azure", stack = "test"): void {
    if (installed) return;
    pulumi.runtime.setMocks(new HarnessMocks(), project, stack, false);
    installed = true;
}

/**
 * Installs the mocks and records every registration from now on. Call once per test file, before
 * constructing anything; the returned array fills up as resources register.
 */
export function captureResources(project?: string, stack?: string): Captured[] {
    installMocks(project, stack);
    return captureRegistrations();
}

/** Resolves an Output's value (undefined when unknown). */
export function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise<T>((resolve) =>
        pulumi.output(o as pulumi.Input<T>).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/**
 * Waits for the given outputs, then until registrations stop arriving (applies that create
 * resources, RPC queue drained).
 */
export async function settle(...outputs: pulumi.Input<unknown>[]): Promise<void> {
    await Promise.all(outputs.map((o) => valueOf(o)));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings");
    for (let i = 0; i < 5; i++) {
        await new Promise((r) => setImmediate(r));
        await settings.waitForRPCs();
    }
}

/** Captured resources of a type, optionally only the children of a component name prefix (`dev-...`). */
export function ofType(captured: Captured[], type: string, namePrefix?: string): Captured[] {
    return captured.filter(
        (c) => c.type === type && (namePrefix === undefined || c.name.startsWith(`${namePrefix}-`) || c.name === namePrefix),
    );
}

/** The one resource of a type with that logical name (fails loudly otherwise). */
export function one(captured: Captured[], type: string, name: string): Captured {
    const found = captured.filter((c) => c.type === type && c.name === name);
    const [only] = found;
    if (found.length !== 1 || !only) {
        const names = ofType(captured, type)
            .map((c) => c.name)
            .join(", ");
        throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names || "none"})`);
    }
    return only;
}

/** Whether a resource depends (explicitly or through an input) on another. */
export function dependsOn(r: Captured, on: Captured): boolean {
    return !!on.urn && r.dependencies.includes(on.urn);
}

/** The placement every component test uses for a dev-like or prod-like environment (zones only in prod). */
export function placement(env: "dev" | "prod"): PlacementArgs {
    return {
        names: { prefix: "pachlab", stack: env, location: "westeurope" },
        resourceGroupName: `rg-pachlab-${env}`,
        location: "westeurope",
        tags: { environment: env, project: "pachlab", owner: "lab", "cost-center": "cc1" },
        zones: env === "prod" ? ["1", "2", "3"] : [],
    };
}

/** A Log Analytics workspace id for the components' `diagnostics` argument. */
export const WORKSPACE_ID =
    "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-pachlab/providers/Microsoft.OperationalInsights/workspaces/log-pachlab";

/** Production protects and locks stateful resources; dev does neither. */
export function protection(env: "dev" | "prod"): ProtectionArgs {
    return { protect: env === "prod", lock: env === "prod" };
}

/** The policy pack's verdict on one component: the policies that applied and passed, and what they found. */
export interface PolicyVerdict {
    passed: string[];
    /** Mandatory violations, which would stop `pulumi preview --policy-pack`: `<policy>: <message>`. */
    violations: string[];
    /** Advisory ones (reported, not blocking). */
    advisories: string[];
}

/**
 * Runs the policy pack (policy/evaluate.ts, as `pulumi preview --policy-pack` runs it) over one component's captured
 * resources: the component `name` and its children `<name>-...`. Production rules apply when the resources carry the
 * tag `environment: prod` (placement("prod")).
 */
export async function evaluateComponent(captured: Captured[], name: string, config: PolicyConfigInput = {}): Promise<PolicyVerdict> {
    const mine = captured.filter((c) => c.name === name || c.name.startsWith(`${name}-`));
    const e: Evaluation = await evaluatePolicies(planResources("pachyderm-azure", "test", mine), undefined, config);
    return {
        passed: e.perPolicy.filter((p) => p.status === "pass").map((p) => p.name),
        violations: e.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`),
        advisories: e.violations.filter((v) => v.enforcementLevel !== "mandatory").map((v) => `${v.policy}: ${v.message}`),
    };
}
