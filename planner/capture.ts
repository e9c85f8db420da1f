import * as pulumi from "@pulumi/pulumi";
import { secretPaths, unwrapSecrets } from "./mocks";

/** One RegisterResource request, as the engine would receive it. */
export interface Registration {
    type: string;
    /** Pulumi logical name. */
    name: string;
    urn?: string;
    parent: string;
    /** False for component resources. */
    custom: boolean;
    /** Provider reference (`<urn>::<id>`), "" for the default provider. */
    provider: string;
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    /** Every dependency URN: explicit dependsOn and implicit ones through Output inputs. */
    dependencies: string[];
    /** The implicit ones only (dependencies of individual input properties). */
    propertyDependencies: string[];
    aliases: string[];
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    deletedWith: string;
    /** Inputs with the engine's secret markers removed. */
    inputs: Record<string, any>;
    /** Property paths (a.b[0].c) of the inputs that were secret. */
    secretPaths: string[];
}

/**
 * Wraps the (mock) resource monitor so that every RegisterResource request is recorded with its
 * inputs, secret markers and resource options. Call after `pulumi.runtime.setMocks`.
 */
export function captureRegistrations(): Registration[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- runtime internals, loaded after the mocks
    const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc");
    const monitor = pulumi.runtime.getMonitor() as any;
    if (!monitor) throw new Error("no resource monitor: call pulumi.runtime.setMocks first");
    const captured: Registration[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        const raw = deserializeProperties(req.getObject());
        const entry: Registration = {
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent(),
            custom: req.getCustom(),
            provider: req.getProvider(),
            protect: !!req.getProtect(),
            retainOnDelete: !!req.getRetainondelete(),
            ignoreChanges: req.getIgnorechangesList(),
            dependencies: req.getDependenciesList(),
            propertyDependencies: [...req.getPropertydependenciesMap().entries()].flatMap(([, deps]: [string, any]) => deps.getUrnsList()),
            aliases: req
                .getAliasesList()
                .map((a: any) => a.getUrn() || describeAliasSpec(a.getSpec()))
                .filter(Boolean),
            replaceOnChanges: req.getReplaceonchangesList(),
            deleteBeforeReplace: !!req.getDeletebeforereplace(),
            deletedWith: req.getDeletedwith(),
            inputs: unwrapSecrets(raw) as Record<string, any>,
            secretPaths: secretPaths(raw),
        };
        captured.push(entry);
        original(req, (err: any, resp: any) => {
            if (!err && resp) entry.urn = resp.getUrn();
            callback(err, resp);
        });
    };
    return captured;
}

function describeAliasSpec(spec: any): string {
    if (!spec) return "";
    const parts = [
        spec.getName() && `name=${spec.getName()}`,
        spec.getType() && `type=${spec.getType()}`,
        spec.getParenturn() && `parent=${spec.getParenturn()}`,
        spec.getNoparent() && "noParent",
    ].filter(Boolean);
    return `alias(${parts.join(",")})`;
}
