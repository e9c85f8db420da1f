import * as pulumi from "@pulumi/pulumi";
import type { Alias } from "@pulumi/pulumi/proto/alias_pb";
import type { RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { EngineProps, secretPaths, unwrapSecrets } from "./mocks";

type RegisterCallback = (err: Error | null, resp?: RegisterResourceResponse) => void;
/** The part of the runtime's resource monitor the capture wraps (the mock monitor implements it). */
interface Monitor {
    registerResource(req: RegisterResourceRequest, callback: RegisterCallback): void;
}

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
    inputs: EngineProps;
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
    const monitor = pulumi.runtime.getMonitor() as Monitor | undefined;
    if (!monitor) throw new Error("no resource monitor: call pulumi.runtime.setMocks first");
    const captured: Registration[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
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
            propertyDependencies: [...req.getPropertydependenciesMap().entries()].flatMap(([, deps]) => deps.getUrnsList()),
            aliases: req
                .getAliasesList()
                .map((a) => a.getUrn() || describeAliasSpec(a.getSpec()))
                .filter(Boolean),
            replaceOnChanges: req.getReplaceonchangesList(),
            deleteBeforeReplace: !!req.getDeletebeforereplace(),
            deletedWith: req.getDeletedwith(),
            inputs: unwrapSecrets(raw) as EngineProps,
            secretPaths: secretPaths(raw),
        };
        captured.push(entry);
        original(req, (err, resp) => {
            if (!err && resp) entry.urn = resp.getUrn();
            callback(err, resp);
        });
    };
    return captured;
}

function describeAliasSpec(spec: Alias.Spec | undefined): string {
    if (!spec) return "";
    const parts = [
        spec.getName() && `name=${spec.getName()}`,
        spec.getType() && `type=${spec.getType()}`,
        spec.getParenturn() && `parent=${spec.getParenturn()}`,
        spec.getNoparent() && "noParent",
    ].filter(Boolean);
    return `alias(${parts.join(",")})`;
}
