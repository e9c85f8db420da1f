import { AKS_SUPPORT_CALENDAR, aksMinorOf, aksSupportStatus } from "../aksSupport";
import { CheckContext } from "./context";
import { parseQuantity } from "./quantity";
import { SSH_NAT_FRONTEND_PORT } from "./schema";

/**
 * Stack names end up in Azure names: `cosmos-<prefix>-<stack>-<hash>` must fit Cosmos DB's 3-44 lowercase letters,
 * digits and hyphens (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdocumentdb)
 * and `pip-<prefix>-<stack>-<hash>` is a DNS label. With a prefix of up to 10 that leaves 16 characters.
 */
const STACK_NAME = /^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/;
/** A stack whose name says prod: prod, production, prod-eu, eu-prod... */
const PROD_STACK_NAME = /(^|[-_.])prod(uction)?([-_.]|$)/i;

export function checkStack(c: CheckContext, stack: string): void {
    if (!STACK_NAME.test(stack))
        c.add(
            "stack",
            `"${stack.slice(0, 40)}" must be 1-16 lowercase letters, digits or hyphens, starting with a letter (it is part of Azure resource names and DNS labels)`,
        );
    if (PROD_STACK_NAME.test(stack) && c.ok("environment") && c.v.environment !== "prod") {
        c.add(
            "environment",
            `is ${c.v.environment}, but the stack "${stack}" is named as a production stack: set environment: prod (or rename the stack)`,
        );
    }
}

/** The AKS minor against the support calendar (lib/aksSupport.ts), on the plan's day. */
export function checkKubernetesVersion(c: CheckContext): void {
    if (!c.ok("kubernetesVersion", "aksTier", "aksSupportPlan")) return;
    // LTS needs the Premium tier and the AKSLongTermSupport plan (https://learn.microsoft.com/azure/aks/long-term-support).
    if (c.v.aksSupportPlan === "AKSLongTermSupport" && c.v.aksTier !== "Premium")
        c.add("aksSupportPlan", "AKSLongTermSupport requires aksTier Premium (AKS long-term support)");
    const lts = c.v.aksSupportPlan === "AKSLongTermSupport" && c.v.aksTier === "Premium";
    const version = c.v.kubernetesVersion!;
    const status = aksSupportStatus(version, c.today, { longTermSupport: lts });
    const supported = Object.keys(AKS_SUPPORT_CALENDAR).filter((m) => ["supported", "warn"].includes(aksSupportStatus(m, c.today).state));
    const minor = aksMinorOf(version) ?? version;
    if (status.state === "unknown") {
        c.add(
            "kubernetesVersion",
            `${minor} is not a GA minor in the AKS support calendar on ${c.today.toISOString().slice(0, 10)} (lib/aksSupport.ts); supported: ${supported.join(", ")}`,
        );
    } else if (status.state === "expired") {
        c.add(
            "kubernetesVersion",
            `${minor} reached its AKS end of life on ${status.endOfLife}: AKS refuses new clusters on it` +
                `${lts ? "" : " (unless LTS: aksTier Premium and aksSupportPlan AKSLongTermSupport)"}; supported: ${supported.join(", ")}`,
        );
    } else if (status.state === "warn") {
        c.warn(`kubernetesVersion ${minor} reaches its AKS end of life on ${status.endOfLife} (${status.daysLeft} days): plan the upgrade`);
    }
}

export function checkSizes(c: CheckContext): void {
    const { v } = c;
    if (c.ok("aksUserMinCount", "aksUserMaxCount") && v.aksUserMinCount! > v.aksUserMaxCount!) {
        c.add("aksUserMinCount", `(${v.aksUserMinCount}) must not exceed aksUserMaxCount (${v.aksUserMaxCount})`);
    }
    for (const [req, lim] of [
        ["pachdMemoryRequest", "pachdMemoryLimit"],
        ["etcdMemoryRequest", "etcdMemoryLimit"],
    ] as const) {
        if (!c.ok(req, lim)) continue;
        const [r, l] = [parseQuantity(v[req]!), parseQuantity(v[lim]!)];
        if (typeof r !== "string" && typeof l !== "string" && r.value > l.value)
            c.add(lim, `(${v[lim]}) must be at least ${req} (${v[req]})`);
    }
}

export function checkStorage(c: CheckContext): void {
    const { v } = c;
    if (
        c.ok("storageBlobSoftDeleteDays", "storagePointInTimeRestoreDays") &&
        v.storagePointInTimeRestoreDays! > 0 &&
        v.storagePointInTimeRestoreDays! > v.storageBlobSoftDeleteDays! - 1
    ) {
        c.add(
            "storagePointInTimeRestoreDays",
            `(${v.storagePointInTimeRestoreDays}) must be at most storageBlobSoftDeleteDays - 1 (${v.storageBlobSoftDeleteDays! - 1})`,
        );
    }
    if (
        c.ok("storageCoolAfterDays", "storageColdAfterDays") &&
        v.storageColdAfterDays! > 0 &&
        v.storageCoolAfterDays! > 0 &&
        v.storageColdAfterDays! <= v.storageCoolAfterDays!
    ) {
        c.add("storageColdAfterDays", `(${v.storageColdAfterDays}) must be greater than storageCoolAfterDays (${v.storageCoolAfterDays})`);
    }
    if (
        c.ok("storageVersionsDeleteAfterDays", "storageBlobSoftDeleteDays", "storageVersionsCoolAfterDays") &&
        v.storageVersionsDeleteAfterDays! > 0
    ) {
        if (v.storageVersionsDeleteAfterDays! <= v.storageBlobSoftDeleteDays!) {
            c.add(
                "storageVersionsDeleteAfterDays",
                `(${v.storageVersionsDeleteAfterDays}) must be 0 (keep) or longer than storageBlobSoftDeleteDays (${v.storageBlobSoftDeleteDays})`,
            );
        }
        if (v.storageVersionsCoolAfterDays! >= v.storageVersionsDeleteAfterDays!) {
            c.add(
                "storageVersionsCoolAfterDays",
                `(${v.storageVersionsCoolAfterDays}) must be less than storageVersionsDeleteAfterDays (${v.storageVersionsDeleteAfterDays})`,
            );
        }
    }
}

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]{60,}={0,3}( [A-Za-z0-9@._-]{1,100})?$/;

export function checkAccessAndServices(c: CheckContext): void {
    const { v } = c;
    if (c.ok("sshPublicKey") && !SSH_KEY.test(v.sshPublicKey!.trim())) {
        c.add(
            "sshPublicKey",
            v.sshPublicKey === ""
                ? "is required: an OpenSSH public key (ssh-ed25519 ... or ssh-rsa ...)"
                : "must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-*)",
        );
    }
    if (c.ok("ingressPorts") && v.ingressPorts!.includes(SSH_NAT_FRONTEND_PORT)) {
        c.add("ingressPorts", `must not include ${SSH_NAT_FRONTEND_PORT}: it is the load balancer's SSH NAT frontend port`);
    }
    // Spot nodes carry AKS's taint and can be evicted at any time: Pachyderm's control plane needs a
    // regular node it may run on, and the only other pool is the system pool.
    if (c.ok("aksUserSpot", "aksSystemCriticalAddonsOnly") && v.aksUserSpot === true && v.aksSystemCriticalAddonsOnly === true) {
        c.add(
            "aksUserSpot",
            "needs aksSystemCriticalAddonsOnly false: Pachyderm's control plane never runs on Spot nodes, so it needs the system nodes",
        );
    }
    if (c.ok("cosmosCapacityMode", "cosmosSecondaryLocation", "location") && v.cosmosSecondaryLocation !== "") {
        if (v.cosmosCapacityMode === "serverless")
            c.add("cosmosSecondaryLocation", "serverless accounts are single-region: use cosmosCapacityMode autoscale");
        if (v.cosmosSecondaryLocation === v.location) c.add("cosmosSecondaryLocation", "must differ from location");
    }
    if (c.ok("pachydermOidcIssuer", "pachydermOidcClientId", "pachydermOidcClientSecret") && v.pachydermOidcIssuer !== "") {
        if (v.pachydermOidcClientId === "") c.add("pachydermOidcClientId", "is required when pachydermOidcIssuer is set");
        if (v.pachydermOidcClientSecret === "")
            c.add("pachydermOidcClientSecret", "is required when pachydermOidcIssuer is set (pulumi config set --secret)");
    }
}
