import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { createHash } from "crypto";

/**
 * A name-based (version 5 layout) GUID from stable strings, e.g. scope + role + principal, as Bicep's
 * `guid()` does. Role assignment names must be GUIDs, unique per assignment, and identical from one run
 * to the next: a random name would replace the assignment on every run, and a name that does not
 * change when the principal does would collide with itself on replacement (create-before-delete).
 */
export function deterministicGuid(...parts: string[]): string {
    const h = createHash("sha1").update(parts.join("|")).digest("hex");
    const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16).padStart(2, "0");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** The GUID of an assignment of `role` to `principal` at `scope` (ARM ids compare case-insensitively). */
export function assignmentGuid(
    scope: pulumi.Input<string>,
    role: pulumi.Input<string>,
    principal: pulumi.Input<string>,
): pulumi.Output<string> {
    return pulumi.all([scope, role, principal]).apply(([s, r, p]) => deterministicGuid(s.toLowerCase(), r.toLowerCase(), p));
}

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` of a built-in role. */
export function builtInRoleId(roleGuid: string, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const client = authorization.getClientConfigOutput(opts);
    return pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/** Who receives a role: a principal (object) id and, for the activity log, why. */
export interface Grantee {
    principalId: pulumi.Input<string>;
    /** Defaults to ServicePrincipal (managed identities, workload identities). */
    principalType?: "ServicePrincipal" | "Group" | "User";
    description?: string;
}

/**
 * A role assignment whose name is derived from scope, role and principal: stable across runs, new when
 * any of them changes. `principalType: ServicePrincipal` (the default) skips the Entra ID lookup that
 * fails while a fresh managed identity is still replicating. The type must be the principal's real one:
 * ARM refuses a wrong one with UnmatchedPrincipalType (Azure/modern-web-app-pattern-dotnet#129), and
 * azure-native sends "User" when it is left out.
 */
export function roleAssignment(
    name: string,
    parent: pulumi.Resource,
    a: Grantee & { scope: pulumi.Input<string>; roleDefinitionId: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions = {},
): authorization.RoleAssignment {
    return new authorization.RoleAssignment(
        name,
        {
            roleAssignmentName: assignmentGuid(a.scope, a.roleDefinitionId, a.principalId),
            scope: a.scope,
            roleDefinitionId: a.roleDefinitionId,
            principalId: a.principalId,
            principalType: a.principalType ?? "ServicePrincipal",
            description: a.description,
        },
        { parent, ...opts },
    );
}

/**
 * One entry of a component's `roleAssignments` argument (AVM's interface): a built-in role (its GUID)
 * or a full role definition id, granted on the component's main resource.
 */
export interface RoleAssignmentArgs extends Grantee {
    /** Names the Pulumi resource `<component>-role-<key>`: keep it stable, the principal may change. */
    key: string;
    /** A built-in role GUID, or `/subscriptions/…/roleDefinitions/<guid>`. */
    role: string;
}

/** The `roleAssignments` of a component, each scoped to `scope` (the component's main resource). */
export function assignRoles(
    name: string,
    parent: pulumi.Resource,
    scope: pulumi.Input<string>,
    assignments: readonly RoleAssignmentArgs[] | undefined,
): authorization.RoleAssignment[] {
    const keys = (assignments ?? []).map((a) => a.key);
    const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
    if (duplicate !== undefined) throw new pulumi.RunError(`${name}: roleAssignments key ${JSON.stringify(duplicate)} is used twice`);
    return (assignments ?? []).map((a) =>
        roleAssignment(`${name}-role-${a.key}`, parent, {
            ...a,
            scope,
            roleDefinitionId: a.role.includes("/providers/Microsoft.Authorization/roleDefinitions/")
                ? a.role
                : builtInRoleId(a.role, { parent }),
        }),
    );
}
