/** Cost models of compute: virtual machines and managed disks (also the OS disks of VMs and AKS nodes). */
import { isType } from "../../lib/resourceTypes";
import type { PlanResource } from "../../planner/types";
import { arr, CostContext, dependsOnUrn, num, obj, Quantity, str } from "./context";
import { diskTier } from "./prices";

/** How many of a thing, with its range and the assumption behind it. */
export interface Count extends Required<Quantity> {
    assumption: string;
}

/** Prices a managed disk of `r` (count of them: one by default) at the billing tier of its size. */
export function diskLine(
    ctx: CostContext,
    r: PlanResource,
    disk: { sku: string | undefined; sizeGiB: number | undefined; label: string },
    count: Count = { min: 1, max: 1, expected: 1, assumption: "1 disk" },
): void {
    const { sku, label } = disk;
    if (!sku) {
        ctx.unpriced(r, `${label}: disk SKU not set`);
        return;
    }
    const size = disk.sizeGiB ?? 0;
    const tier = diskTier(sku, size);
    if (!tier) {
        ctx.unpriced(r, `${label}: no price for disk ${sku} of ${size} GiB`);
        return;
    }
    ctx.addLine(
        r,
        { kind: "disk", sku: `${sku}-${tier}`, region: ctx.regionOf(r) },
        count,
        `${label}: ${sku} ${size} GiB billed as ${tier}; ${count.assumption}`,
    );
}

/** A standalone managed disk. */
export function diskModel(r: PlanResource, ctx: CostContext): void {
    diskLine(ctx, r, { sku: str(obj(r.inputs.sku).name), sizeGiB: num(r.inputs.diskSizeGB), label: "disk" });
}

/** A VM: its size for the hours it runs (fewer with a daily auto-shutdown schedule), its OS disk and its empty data disks. */
export function vmModel(r: PlanResource, ctx: CostContext): void {
    const { hours } = ctx;
    const vmSize = str(obj(r.inputs.hardwareProfile).vmSize);
    const shutdown = ctx.plan.resources.find(
        (s) =>
            isType(s.type, "azure-native:devtestlab:GlobalSchedule") &&
            dependsOnUrn(s, r) &&
            s.inputs.taskType === "ComputeVmShutdownTask" &&
            s.inputs.status !== "Disabled",
    );
    const meter = { kind: "vm", sku: vmSize ?? "", region: ctx.regionOf(r), what: "VM size" };
    if (!vmSize) ctx.unpriced(r, "hardwareProfile.vmSize not set");
    else if (shutdown) {
        const on = (ctx.usage("vmHoursPerMonthWithDailyShutdown") as number | undefined) ?? hours;
        const at = str(obj(shutdown.inputs.dailyRecurrence).time) ?? "?";
        ctx.addLine(
            r,
            meter,
            { expected: on, min: 0, max: hours },
            `1 VM, stopped daily at ${at} (${str(shutdown.inputs.timeZoneId) ?? "UTC"}) by ${shutdown.name}: ${on} h (vmHoursPerMonthWithDailyShutdown; range 0..${hours} h)`,
        );
    } else ctx.addLine(r, meter, { expected: hours }, `1 VM x ${hours} h`);
    const storage = obj(r.inputs.storageProfile);
    const os = obj(storage.osDisk);
    const osSku = str(obj(os.managedDisk).storageAccountType);
    if (osSku) {
        if (num(os.diskSizeGB) === undefined)
            ctx.assume("A VM OS disk without diskSizeGB is priced at 30 GiB (the usual Linux image size).");
        diskLine(ctx, r, { sku: osSku, sizeGiB: num(os.diskSizeGB) ?? 30, label: "OS disk" });
    }
    arr(storage.dataDisks)
        .map(obj)
        .filter((d) => d.createOption === "Empty")
        .forEach((d, i) =>
            diskLine(ctx, r, {
                sku: str(obj(d.managedDisk).storageAccountType),
                sizeGiB: num(d.diskSizeGB),
                label: `data disk ${num(d.lun) ?? i}`,
            }),
        );
}
