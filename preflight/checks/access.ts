import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Cidr, containsIp, overlaps, parseCidr, parseIp } from "../../lib/cidr";
import { PlatformConfig } from "../../lib/config";
import { AzCallError, azJson } from "../az";
import { ARM, Check, CheckContext, combine, showOrNull, Verdict } from "./verdict";

/** Who and from where: the deploying identity's permissions, the state backend, this machine's egress IP and the API server. */

// ---------------------------------------------------------------------------------------------
// Permissions of the deploying principal

/**
 * `az rest GET <scope>/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`: the caller's
 * effective permissions at a scope (Permissions - List For Resource Group, https://learn.microsoft.com/rest/api/authorization/permissions):
 * one entry per role, each with actions/notActions/dataActions/notDataActions and, for conditional
 * role assignments, `condition`.
 */
const PERMISSIONS_API = "2022-04-01";
export interface Permission {
    actions?: string[];
    notActions?: string[];
    dataActions?: string[];
    notDataActions?: string[];
    condition?: string | null;
}

/** ARM action patterns: `*` matches any run of characters, case-insensitive (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions). */
function matches(pattern: string, action: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
            .join(".*")}$`,
        "i",
    );
    return re.test(action);
}

/** How an action is granted: unconditionally, only under a condition, or not at all. NotActions subtract within a role. */
export function grant(perms: Permission[], action: string, data = false): "granted" | "conditional" | "denied" {
    const granting = perms.filter(
        (p) =>
            (data ? p.dataActions : p.actions)?.some((a) => matches(a, action)) &&
            !(data ? p.notDataActions : p.notActions)?.some((a) => matches(a, action)),
    );
    if (granting.some((p) => !p.condition)) return "granted";
    return granting.length > 0 ? "conditional" : "denied";
}

function evaluateRoleAssignments(perms: Permission[], scope: string, actions: string[]): Verdict {
    const fix = `assign Role Based Access Control Administrator (or User Access Administrator) and Contributor at ${scope} to the deploying identity`;
    const verdicts = actions.map((action): Verdict => {
        const g = grant(perms, action);
        if (g === "granted") return { status: "pass", message: action, fix };
        if (g === "conditional")
            return { status: "warn", message: `${action} only under a condition (it may not cover the roles this program assigns)`, fix };
        return { status: "fail", message: `missing ${action}`, fix };
    });
    return combine(verdicts, `can ${actions.map((a) => a.split("/").slice(-2).join("/")).join(", ")} at ${scope}`, fix);
}

// ---------------------------------------------------------------------------------------------
// State backend

type Backend =
    | { kind: "azblob"; container: string; account?: string }
    | { kind: "cloud"; url: string }
    | { kind: "file"; url: string }
    | { kind: "other"; url: string }
    | { kind: "none" };

/**
 * Where `pulumi` keeps state: PULUMI_BACKEND_URL, else the `current` backend of `pulumi login`
 * (<PULUMI_HOME or ~/.pulumi>/credentials.json). azblob://<container>?storage_account=<name> or
 * AZURE_STORAGE_ACCOUNT names the account (https://www.pulumi.com/docs/iac/concepts/state-and-backends/#azure-blob-storage).
 */
export function stateBackend(env: NodeJS.ProcessEnv): { backend: Backend; cloudToken: boolean } {
    const home = env.PULUMI_HOME || path.join(env.HOME || os.homedir(), ".pulumi");
    let creds: { current?: string; accessTokens?: Record<string, string> } = {};
    try {
        creds = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8"));
    } catch {
        // no `pulumi login` on this machine
    }
    const url = env.PULUMI_BACKEND_URL || creds.current || "";
    const cloudToken = !!env.PULUMI_ACCESS_TOKEN || !!(url && creds.accessTokens?.[url]);
    if (!url) return { backend: env.PULUMI_ACCESS_TOKEN ? { kind: "cloud", url: "https://api.pulumi.com" } : { kind: "none" }, cloudToken };
    if (url.startsWith("azblob://")) {
        const u = new URL(url);
        return {
            backend: {
                kind: "azblob",
                container: u.hostname + u.pathname.replace(/\/$/, ""),
                account: u.searchParams.get("storage_account") || env.AZURE_STORAGE_ACCOUNT || undefined,
            },
            cloudToken,
        };
    }
    if (url.startsWith("https://")) return { backend: { kind: "cloud", url }, cloudToken };
    if (url.startsWith("file://")) return { backend: { kind: "file", url }, cloudToken };
    return { backend: { kind: "other", url }, cloudToken };
}

const BLOB_READ = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
const BLOB_WRITE = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write";

/** Read and write on the state container: the data actions of Storage Blob Data Contributor. */
function evaluateBlobState(perms: Permission[], account: string): Verdict {
    const fix = `assign Storage Blob Data Contributor on storage account ${account} to the deploying identity`;
    const read = grant(perms, BLOB_READ, true);
    const write = grant(perms, BLOB_WRITE, true);
    if (read === "denied" || write === "denied") {
        return {
            status: "fail",
            message: `cannot ${read === "denied" ? "read" : ""}${read === "denied" && write === "denied" ? " or " : ""}${write === "denied" ? "write" : ""} blobs of the state account ${account}`,
            fix,
        };
    }
    if (read === "conditional" || write === "conditional")
        return { status: "warn", message: `blob access to ${account} is granted only under a condition`, fix };
    return { status: "pass", message: `azblob state on ${account}: blob read and write granted`, fix };
}

// ---------------------------------------------------------------------------------------------
// Egress IP and the API server's authorized ranges

/** RFC 5737 documentation ranges: placeholders in the shipped stack files, never a real network. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map((c) => parseCidr(c) as Cidr);

export function evaluateEgress(cfg: PlatformConfig, egressIp: string | undefined, source: string): Verdict {
    const fix = "aksAuthorizedIpRanges";
    if (cfg.aks.privateCluster)
        return { status: "pass", message: "private cluster: the API server is reached through the VNet", fix: "aksPrivateCluster" };
    const ranges = cfg.aks.authorizedIpRanges.map((r) => parseCidr(r)).filter((c): c is Cidr => typeof c !== "string");
    const ip = egressIp ? parseIp(egressIp) : undefined;
    if (ip === undefined || typeof ip === "string") {
        return {
            status: "warn",
            message: `this machine's egress IP is unknown (${source}): cannot tell whether it may reach the API server`,
            fix: "set PREFLIGHT_EGRESS_IP, or check aksAuthorizedIpRanges by hand",
        };
    }
    const inside = ranges.find((c) => containsIp(c, ip));
    if (!inside)
        return {
            status: "fail",
            message: `egress IP ${egressIp} (${source}) is outside aksAuthorizedIpRanges [${cfg.aks.authorizedIpRanges.join(", ")}]: kubectl and the Kubernetes provider would be refused`,
            fix: `${fix} (add ${egressIp}/32 or the runner's range)`,
        };
    const placeholders = ranges.filter((c) => DOCUMENTATION_RANGES.some((d) => overlaps(c, d)));
    if (placeholders.length > 0)
        return {
            status: "warn",
            message: `egress IP ${egressIp} is inside ${inside.text}, but aksAuthorizedIpRanges still holds documentation ranges (${placeholders.map((c) => c.text).join(", ")})`,
            fix: `${fix} (replace the RFC 5737 placeholders)`,
        };
    return { status: "pass", message: `egress IP ${egressIp} (${source}) is inside ${inside.text}`, fix };
}

const rgScope = (ctx: CheckContext) => `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.facts.resourceGroup}`;

export const ACCESS_CHECKS: Check[] = [
    {
        id: "role-assignments",
        title: "Deploying identity can write role assignments (and locks) at the resource group",
        run: async (ctx) => {
            const deployed = await ctx.resourceGroupExists();
            // Before the first deployment the group does not exist: what counts is what the subscription grants.
            const scope = deployed ? rgScope(ctx) : `/subscriptions/${ctx.subscriptionId}`;
            const perms = await azJson<{ value?: Permission[] }>(ctx.az, [
                "rest",
                "--method",
                "get",
                "--url",
                `${ARM}${scope}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API}`,
            ]);
            const actions = [
                ...(deployed ? [] : ["Microsoft.Resources/subscriptions/resourceGroups/write"]),
                "Microsoft.Authorization/roleAssignments/write",
                ...(ctx.cfg.protection.locks ? ["Microsoft.Authorization/locks/write"] : []),
            ];
            return evaluateRoleAssignments(perms.value ?? [], scope, actions);
        },
    },
    {
        id: "state-backend",
        title: "State backend readable and writable",
        run: async (ctx) => {
            const { backend, cloudToken } = stateBackend(ctx.env);
            switch (backend.kind) {
                case "none":
                    return {
                        status: "fail",
                        message: "no Pulumi backend: not logged in",
                        fix: "pulumi login (Pulumi Cloud or azblob://<container>?storage_account=<account>)",
                    };
                case "cloud":
                    return cloudToken
                        ? {
                              status: "pass",
                              message: `Pulumi Cloud ${backend.url}: access token present (its rights are checked by pulumi itself)`,
                              fix: "pulumi login",
                          }
                        : {
                              status: "fail",
                              message: `Pulumi Cloud ${backend.url}: no access token`,
                              fix: "pulumi login, or PULUMI_ACCESS_TOKEN",
                          };
                case "file":
                    return {
                        status: "warn",
                        message: `local state ${backend.url}: not shared with CI or colleagues`,
                        fix: "pulumi login azblob://… or Pulumi Cloud",
                    };
                case "other":
                    return {
                        status: "warn",
                        message: `state backend ${backend.url} is not Azure Blob or Pulumi Cloud: not checked`,
                        fix: "pulumi login",
                    };
                case "azblob": {
                    if (!backend.account)
                        return {
                            status: "fail",
                            message: `azblob://${backend.container}: no storage account named`,
                            fix: "azblob://<container>?storage_account=<account> or AZURE_STORAGE_ACCOUNT",
                        };
                    if (ctx.env.AZURE_STORAGE_KEY || ctx.env.AZURE_STORAGE_SAS_TOKEN) {
                        return {
                            status: "warn",
                            message: `azblob state on ${backend.account} uses a shared key or SAS token: not checked through Azure RBAC`,
                            fix: "unset AZURE_STORAGE_KEY and use Storage Blob Data Contributor",
                        };
                    }
                    const account = await showOrNull<{ id: string }>(ctx.az, ["storage", "account", "show", "--name", backend.account]);
                    if (!account)
                        return {
                            status: "fail",
                            message: `state storage account ${backend.account} not found (or not readable)`,
                            fix: "AZURE_STORAGE_ACCOUNT / the azblob:// URL, and Reader on the account",
                        };
                    const perms = await azJson<{ value?: Permission[] }>(ctx.az, [
                        "rest",
                        "--method",
                        "get",
                        "--url",
                        `${ARM}${account.id}/providers/Microsoft.Authorization/permissions?api-version=${PERMISSIONS_API}`,
                    ]);
                    return evaluateBlobState(perms.value ?? [], backend.account);
                }
            }
        },
    },
    {
        id: "egress-ip",
        title: "This machine's egress IP inside aksAuthorizedIpRanges",
        run: async (ctx) => {
            if (ctx.cfg.aks.privateCluster) return evaluateEgress(ctx.cfg, undefined, "not needed");
            if (ctx.env.PREFLIGHT_EGRESS_IP) return evaluateEgress(ctx.cfg, ctx.env.PREFLIGHT_EGRESS_IP.trim(), "PREFLIGHT_EGRESS_IP");
            // Asked through az so that it leaves by the same proxy as the deployment; ipify answers {"ip": "…"} (https://www.ipify.org).
            try {
                const answer = await azJson<{ ip?: string }>(ctx.az, [
                    "rest",
                    "--method",
                    "get",
                    "--skip-authorization-header",
                    "--url",
                    "https://api.ipify.org?format=json",
                ]);
                return evaluateEgress(ctx.cfg, answer.ip, "api.ipify.org");
            } catch (e) {
                if (e instanceof AzCallError) return evaluateEgress(ctx.cfg, undefined, e.message);
                throw e;
            }
        },
    },
];
