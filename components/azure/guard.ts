import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/**
 * How a component guards the resources that hold data: one policy, decided per environment kind (config
 * `environment`: dev or prod, not the stack).
 */
export interface ProtectionArgs {
    /** `protect` and `retainOnDelete` on every data-holding resource (production). */
    protect: boolean;
    /** A `CanNotDelete` management lock on each of them (AVM's `lock` interface; production). */
    lock?: boolean;
}

/** What a lock says about the resource it guards, and what it is called in Azure. */
export interface LockSpec {
    /** Azure name of the lock, e.g. `lock-<prefix>-<stack>-st`. */
    lockName: string;
    /** Shown to whoever tries to delete the resource. */
    notes: string;
}

/**
 * The guard of a component's stateful resources. Data survives `pulumi destroy` and replacement: the
 * engine refuses to delete it (`protect`) and, should protect be lifted, only forgets it
 * (`retainOnDelete`); never `deletedWith` or `replaceOnChanges`. A `CanNotDelete` lock stops deletion
 * through ARM by anyone (portal, CLI, a destroy after protect was lifted) while writes still work; the
 * lock is protected itself when the resource is, so that a destroy cannot remove the lock first.
 * (Pulumi resource options: https://www.pulumi.com/docs/iac/concepts/options/protect/ and
 * .../retainondelete/; locks: https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources)
 */
export class StatefulGuard {
    constructor(
        private readonly parent: pulumi.Resource,
        readonly policy: ProtectionArgs,
    ) {}

    /** Options of a data-holding resource: `{ parent, ...extra }` plus protect/retainOnDelete by policy. */
    options(extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { parent: this.parent, ...extra, ...(this.policy.protect ? { protect: true, retainOnDelete: true } : {}) };
    }

    /** A `CanNotDelete` lock on `scope` when the policy asks for locks; its logical name is `name`. */
    lock(name: string, scope: pulumi.Input<string>, spec: LockSpec): authorization.ManagementLockByScope | undefined {
        if (!this.policy.lock) return undefined;
        return new authorization.ManagementLockByScope(
            name,
            {
                scope,
                lockName: spec.lockName,
                level: "CanNotDelete",
                notes: spec.notes,
            },
            { parent: this.parent, protect: this.policy.protect },
        );
    }
}
