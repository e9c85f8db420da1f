import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/**
 * Azure resource names after the Cloud Adoption Framework abbreviations
 * (https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations).
 * Names are deterministic so that a plan is reviewable and stable across runs.
 */
type CafKind =
    | "rg"
    | "vnet"
    | "snet"
    | "nsg"
    | "aks"
    | "np"
    | "log"
    | "id"
    | "st"
    | "pep"
    | "cosmos"
    | "psql"
    | "vm"
    | "nic"
    | "osdisk"
    | "disk"
    | "lbe"
    | "lbi"
    | "pip"
    | "lock"
    | "mc"
    | "avail"
    | "dcr";

export interface NameContext {
    /** Workload prefix from config (`namePrefix`). */
    prefix: string;
    /** Stack name (dev, staging, prod...). */
    stack: string;
    /** Azure region, used to make globally unique names unique per region too. */
    location: string;
}

/** `<kind>-<prefix>-<stack>[-<suffix>]`, e.g. `vnet-pachlab-prod`, `snet-pachlab-prod-aks`. */
export function resourceName(kind: CafKind, ctx: NameContext, suffix?: string): string {
    return [kind, ctx.prefix, ctx.stack, suffix].filter((p) => p !== undefined && p !== "").join("-");
}

/** A short, stable hash that makes globally unique names (storage accounts, DNS labels) unique per deployment. */
function uniqueSuffix(ctx: NameContext, length = 6): string {
    return createHash("sha256").update(`${ctx.prefix}/${ctx.stack}/${ctx.location}`).digest("hex").slice(0, length);
}

/** Storage account names: 3-24 lowercase letters and digits, globally unique: `st<prefix><stack><hash>`. */
export function storageAccountName(ctx: NameContext): string {
    const stem = `st${ctx.prefix}${ctx.stack}`.replace(/[^a-z0-9]/g, "").slice(0, 18);
    return `${stem}${uniqueSuffix(ctx)}`;
}

/** Globally unique DNS-ish names (Cosmos account, PostgreSQL server, public IP label): `<kind>-<prefix>-<stack>-<hash>`. */
export function globalName(kind: CafKind, ctx: NameContext): string {
    return resourceName(kind, ctx, uniqueSuffix(ctx));
}

/** The tags every Azure resource carries. */
interface TagValues {
    environment: string;
    project: string;
    owner: string;
    costCenter: string;
}

export function standardTags(t: TagValues): Record<string, string> {
    return { environment: t.environment, project: t.project, owner: t.owner, "cost-center": t.costCenter };
}

/** Brick data disk of GlusterFS node `i`: `disk-<prefix>-<stack>-gfs<i>-brick`. */
export function glusterBrickDiskName(ctx: NameContext, node: number): string {
    return resourceName("disk", ctx, `gfs${node}-brick`);
}

/** True for a GlusterFS brick disk name (zonal by design: Gluster replicates across zones itself). */
export function isGlusterBrickDiskName(name: unknown): boolean {
    return typeof name === "string" && /^disk-[a-z0-9]+-[A-Za-z0-9_.-]+-gfs\d+-brick$/.test(name);
}

/** Where a component's Azure resources live and what they are called and tagged. */
export interface PlacementArgs {
    names: NameContext;
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** The standard tags (`standardTags`), the same on every Azure resource. */
    tags: Record<string, string>;
    /** [] = no zone pinning; ["1","2","3"] spreads zonal resources (production). */
    zones: string[];
}
