import { aksSupportStatus } from "../../lib/aksSupport";
import { azJson } from "../az";
import { DeploymentFacts, VmDemand } from "../facts";
import { Check, CheckContext, combine, lower, Verdict } from "./verdict";

/** AKS version, VM sizes and vCPU quota: can the cluster and the VMs be created in this region and zones? */

// ---------------------------------------------------------------------------------------------
// AKS version

/** `az aks get-versions --location L`: KubernetesVersionListResult (Microsoft.ContainerService 2024-09-01, examples/KubernetesVersions_List.json). */
interface AksVersions {
    values?: {
        version: string;
        isPreview?: boolean;
        isDefault?: boolean;
        capabilities?: { supportPlan?: string[] };
        patchVersions?: Record<string, unknown>;
    }[];
}

export function evaluateAksVersion(resp: AksVersions, facts: DeploymentFacts, today: Date): Verdict {
    const minor = facts.kubernetesMinor;
    const offered = (resp.values ?? []).map((v) => v.version);
    const entry = (resp.values ?? []).find((v) => v.version === minor);
    const fix = "kubernetesVersion";
    if (!entry)
        return {
            status: "fail",
            message: `AKS does not offer Kubernetes ${minor} in ${facts.location} (offered: ${offered.join(", ") || "none"})`,
            fix: `${fix} (one of ${offered.join(", ")})`,
        };
    if (facts.kubernetesVersion !== minor && !Object.keys(entry.patchVersions ?? {}).includes(facts.kubernetesVersion)) {
        return {
            status: "fail",
            message: `patch ${facts.kubernetesVersion} is not offered (offered: ${Object.keys(entry.patchVersions ?? {}).join(", ")})`,
            fix: `${fix} (a listed patch, or just ${minor})`,
        };
    }
    if (facts.aksLongTermSupport && !(entry.capabilities?.supportPlan ?? []).includes("AKSLongTermSupport")) {
        return {
            status: "fail",
            message: `Kubernetes ${minor} is not offered with long-term support in ${facts.location}`,
            fix: `${fix}, or aksSupportPlan KubernetesOfficial`,
        };
    }
    const support = aksSupportStatus(minor, today, { longTermSupport: facts.aksLongTermSupport });
    if (support.state === "expired")
        return {
            status: "fail",
            message: `Kubernetes ${minor} reached end of life on ${support.endOfLife}`,
            fix: `${fix} (a supported minor)`,
        };
    if (entry.isPreview) return { status: "warn", message: `Kubernetes ${minor} is offered in ${facts.location} as a preview only`, fix };
    if (support.state === "unknown")
        return {
            status: "warn",
            message: `Kubernetes ${minor} is offered, but its end of life is not in AKS_SUPPORT_CALENDAR (lib/aksSupport.ts)`,
            fix: `${fix}, or add ${minor} to lib/aksSupport.ts`,
        };
    const eol = `${support.daysLeft} days before end of life (${support.endOfLife})`;
    if (support.state === "warn")
        return { status: "warn", message: `Kubernetes ${minor} is offered; only ${eol}: plan the upgrade`, fix: `${fix} (next minor)` };
    return { status: "pass", message: `Kubernetes ${facts.kubernetesVersion} is offered in ${facts.location}; ${eol}`, fix };
}

// ---------------------------------------------------------------------------------------------
// VM sizes and quota

/**
 * `az vm list-skus --location L --resource-type virtualMachines --all`: ResourceSku[] (Microsoft.Compute
 * Skus 2021-07-01, skus.json and examples/skus/ListAvailableResourceSkusForARegion.json). `--all` keeps the
 * sizes the subscription may not use, so that a restriction is reported rather than a missing size.
 */
export interface ResourceSku {
    resourceType: string;
    name: string;
    family?: string;
    locations?: string[];
    locationInfo?: { location: string; zones?: string[] }[];
    capabilities?: { name: string; value: string }[];
    restrictions?: {
        type: "Location" | "Zone";
        values?: string[];
        restrictionInfo?: { locations?: string[]; zones?: string[] };
        reasonCode?: string;
    }[];
}

const capability = (sku: ResourceSku, name: string) => sku.capabilities?.find((c) => c.name === name)?.value;
const findSku = (skus: ResourceSku[], size: string) =>
    skus.find((s) => s.resourceType === "virtualMachines" && s.name.toLowerCase() === size.toLowerCase());

/** Ephemeral OS disks of `osDiskSizeGB` 64 (components/cluster.ts) live in the VM's cache or temp disk. */
const EPHEMERAL_OS_DISK_GB = 64;

function evaluateVmSize(skus: ResourceSku[], vm: VmDemand, location: string): Verdict {
    const fix = vm.sizeKey;
    const sku = findSku(skus, vm.vmSize);
    if (!sku) return { status: "fail", message: `${vm.role}: ${vm.vmSize} is not offered in ${location}`, fix };
    const restrictions = sku.restrictions ?? [];
    const locationBlock = restrictions.find(
        (r) => r.type === "Location" && (r.values ?? r.restrictionInfo?.locations ?? []).map(lower).includes(lower(location)),
    );
    if (locationBlock)
        return {
            status: "fail",
            message: `${vm.role}: ${vm.vmSize} is restricted in ${location} for this subscription (${locationBlock.reasonCode ?? "restricted"})`,
            fix: `${fix}, or ask Azure support to lift the restriction`,
        };
    const offeredZones = sku.locationInfo?.find((l) => lower(l.location) === lower(location))?.zones ?? [];
    const restrictedZones = new Set(restrictions.filter((r) => r.type === "Zone").flatMap((r) => r.restrictionInfo?.zones ?? []));
    const unusable = vm.zones.filter((z) => !offeredZones.includes(z) || restrictedZones.has(z));
    if (unusable.length > 0)
        return {
            status: "fail",
            message: `${vm.role}: ${vm.vmSize} is not available in zone(s) ${unusable.join(", ")} of ${location}`,
            fix: `${fix} or zones`,
        };
    if (vm.encryptionAtHost && capability(sku, "EncryptionAtHostSupported") !== "True") {
        return {
            status: "fail",
            message: `${vm.role}: ${vm.vmSize} does not support encryption at host`,
            fix: `${fix} (a size with EncryptionAtHostSupported)`,
        };
    }
    if (vm.ephemeralOsDisk) {
        // AKS puts an ephemeral OS disk in the VM cache or, failing that, the temp disk
        // (https://learn.microsoft.com/azure/aks/concepts-storage#ephemeral-os-disk).
        const cacheGb = Number(capability(sku, "CachedDiskBytes") ?? 0) / 1024 ** 3;
        const tempGb = Number(capability(sku, "MaxResourceVolumeMB") ?? 0) / 1024;
        if (capability(sku, "EphemeralOSDiskSupported") !== "True" || Math.max(cacheGb, tempGb) < EPHEMERAL_OS_DISK_GB) {
            return {
                status: "fail",
                message: `${vm.role}: ${vm.vmSize} cannot hold a ${EPHEMERAL_OS_DISK_GB} GB ephemeral OS disk`,
                fix: `${fix}, or aksOsDiskType Managed`,
            };
        }
    }
    const idle = [...restrictedZones].filter((z) => !vm.zones.includes(z));
    if (idle.length > 0 && vm.zones.length > 0) {
        return {
            status: "warn",
            message: `${vm.role}: ${vm.vmSize} is restricted in zone(s) ${idle.join(", ")}, which this stack does not use (a later change of zones would fail)`,
            fix,
        };
    }
    return { status: "pass", message: `${vm.role}: ${vm.vmSize}`, fix };
}

export function evaluateVmSizes(skus: ResourceSku[], facts: DeploymentFacts): Verdict {
    const verdicts = facts.vms.map((vm) => evaluateVmSize(skus, vm, facts.location));
    const zones = facts.zones.length > 0 ? ` in zones ${facts.zones.join(", ")}` : "";
    return combine(
        verdicts,
        `${[...new Set(facts.vms.map((v) => v.vmSize))].join(", ")} available in ${facts.location}${zones}`,
        facts.vms.map((v) => v.sizeKey).join(", "),
    );
}

/** `az vm list-usage --location L`: Usage[] (Microsoft.Compute Usage - List: currentValue, limit, name.value, name.localizedValue). */
interface Usage {
    currentValue: number;
    limit: number;
    name: { value: string; localizedValue?: string };
}

/** vCPUs per quota family for the first deployment and at the peak (pools at maximum plus surge). */
export function vcpuDemand(
    skus: ResourceSku[],
    vms: VmDemand[],
): { family: string; initial: number; peak: number; parts: string[] }[] | string {
    const byFamily = new Map<string, { family: string; initial: number; peak: number; parts: string[] }>();
    for (const vm of vms) {
        const sku = findSku(skus, vm.vmSize);
        const vcpus = sku ? Number(capability(sku, "vCPUs")) : NaN;
        if (!sku?.family || !Number.isFinite(vcpus)) return `${vm.vmSize} (${vm.sizeKey}): no family or vCPUs in the SKU list`;
        const entry = byFamily.get(sku.family) ?? { family: sku.family, initial: 0, peak: 0, parts: [] };
        entry.initial += vm.initialCount * vcpus;
        entry.peak += vm.peakCount * vcpus;
        entry.parts.push(`${vm.role} ${vm.peakWhy} x ${vcpus}`);
        byFamily.set(sku.family, entry);
    }
    return [...byFamily.values()];
}

/**
 * A family's quota and the regional total ("cores", Total Regional vCPUs) must both hold the demand.
 * For a deployed stack the usage already counts its own nodes: at least the pool minimums are
 * subtracted, so the check stays conservative without double counting the whole stack.
 */
function evaluateQuota(skus: ResourceSku[], usages: Usage[], facts: DeploymentFacts, deployed: boolean): Verdict {
    const demand = vcpuDemand(skus, facts.vms);
    if (typeof demand === "string") return { status: "fail", message: demand, fix: "the VM size keys" };
    const total = {
        family: "cores",
        initial: demand.reduce((a, d) => a + d.initial, 0),
        peak: demand.reduce((a, d) => a + d.peak, 0),
        parts: ["all VMs"],
    };
    const quotaFix = (family: string) =>
        `request more ${family} vCPU quota in ${facts.location} (portal: Quotas > Compute), or lower aksUserMaxCount / choose another size`;
    const verdicts = [...demand, total].map((d): Verdict => {
        const usage = usages.find((u) => u.name.value.toLowerCase() === d.family.toLowerCase());
        const label = d.family === "cores" ? "total regional vCPUs" : d.family;
        if (!usage) return { status: "warn", message: `${label}: no quota entry in az vm list-usage (cannot tell)`, fix: quotaFix(label) };
        const others = deployed ? Math.max(0, usage.currentValue - d.initial) : usage.currentValue;
        const free = usage.limit - others;
        const detail = `needs ${d.initial} now and ${d.peak} at peak [${d.parts.join(" + ")}], ${free} available (limit ${usage.limit}, in use ${usage.currentValue})`;
        if (d.initial > free) return { status: "fail", message: `${label}: ${detail}`, fix: quotaFix(label) };
        if (d.peak > free)
            return {
                status: "warn",
                message: `${label}: the first deployment fits but scale-out or an upgrade would not: ${detail}`,
                fix: quotaFix(label),
            };
        return { status: "pass", message: `${label}: ${detail}`, fix: quotaFix(label) };
    });
    return combine(verdicts, verdicts.map((v) => v.message).join("; "), "aksUserMaxCount, VM size keys");
}

/** The SKU list is large: asked once per run and shared by the VM-size and quota checks. */
const skuCache = new WeakMap<CheckContext, Promise<ResourceSku[]>>();
function vmSkus(ctx: CheckContext): Promise<ResourceSku[]> {
    if (!skuCache.has(ctx))
        skuCache.set(
            ctx,
            azJson<ResourceSku[]>(ctx.az, [
                "vm",
                "list-skus",
                "--location",
                ctx.facts.location,
                "--resource-type",
                "virtualMachines",
                "--all",
            ]),
        );
    return skuCache.get(ctx)!;
}

export const COMPUTE_CHECKS: Check[] = [
    {
        id: "aks-version",
        title: "AKS version offered, days to end of life",
        run: async (ctx) =>
            evaluateAksVersion(
                await azJson<AksVersions>(ctx.az, ["aks", "get-versions", "--location", ctx.facts.location]),
                ctx.facts,
                ctx.today,
            ),
    },
    {
        id: "vm-sizes",
        title: "VM sizes available in the zones used",
        run: async (ctx) => evaluateVmSizes(await vmSkus(ctx), ctx.facts),
    },
    {
        id: "vcpu-quota",
        title: "vCPU quota per family (max scale + surge, ingress, GlusterFS)",
        run: async (ctx) => {
            const [skus, usages, deployed] = await Promise.all([
                vmSkus(ctx),
                azJson<Usage[]>(ctx.az, ["vm", "list-usage", "--location", ctx.facts.location]),
                ctx.resourceGroupExists(),
            ]);
            return evaluateQuota(skus, usages, ctx.facts, deployed);
        },
    },
];
