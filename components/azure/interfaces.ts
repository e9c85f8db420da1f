import * as pulumi from "@pulumi/pulumi";
import { DiagnosedType, DiagnosticsArgs, diagnosticSetting } from "./diagnostics";
import { LockSpec, ProtectionArgs, StatefulGuard } from "./guard";
import { assignRoles, RoleAssignmentArgs } from "./roles";

/** The optional arguments the data-holding components share, after AVM's interfaces (lock, role assignments, diagnostic settings). */
export interface InterfaceArgs extends ProtectionArgs {
    /** Management-plane roles on the component's main resource. */
    roleAssignments?: RoleAssignmentArgs[];
    /** Where the component's resource logs go. */
    diagnostics?: DiagnosticsArgs;
}

/** A component's main resource and what the interfaces need to know about it. */
export interface MainResource {
    id: pulumi.Input<string>;
    lock: LockSpec;
    /** What carries the logs (a storage account's are on its blob service): `<component>-<suffix>-diag`. */
    logs: { suffix: string; type: DiagnosedType; resourceUri: pulumi.Input<string> };
}

/** The lock (by the guard's policy), the role assignments and the diagnostic setting of a component's main resource. */
export function applyInterfaces(
    name: string,
    parent: pulumi.Resource,
    guard: StatefulGuard,
    args: InterfaceArgs,
    main: MainResource,
): void {
    guard.lock(`${name}-lock`, main.id, main.lock);
    assignRoles(name, parent, main.id, args.roleAssignments);
    if (args.diagnostics)
        diagnosticSetting(`${name}-${main.logs.suffix}-diag`, parent, main.logs.type, main.logs.resourceUri, args.diagnostics);
}
