/** Cost model of Azure Database for PostgreSQL Flexible Server: compute, storage and geo-redundant backup. */
import type { PlanResource } from "../../planner/types";
import { CostContext, num, obj, str } from "./context";

/** A server: its SKU by the hour and its provisioned storage, twice with a standby (HA); geo-backup when enabled. */
export function postgresServerModel(r: PlanResource, ctx: CostContext): void {
    const { hours } = ctx;
    const sku = obj(r.inputs.sku);
    const name = str(sku.name);
    const ha = str(obj(r.inputs.highAvailability).mode);
    const copies = ha === "ZoneRedundant" || ha === "SameZone" ? 2 : 1;
    const haNote = copies === 2 ? ` x 2 (${ha} HA: the standby's compute and storage are billed too)` : "";
    const pg = (meter: string, what: string) => ({ kind: "pg", sku: meter, region: ctx.regionOf(r), what });
    if (!name) ctx.unpriced(r, "sku.name not set");
    else
        ctx.addLine(
            r,
            pg(name, "PostgreSQL compute SKU"),
            { expected: copies * hours },
            `${str(sku.tier) ?? ""} ${name} x ${hours} h${haNote}`.trim(),
        );
    const size = num(obj(r.inputs.storage).storageSizeGB);
    const gb = size ?? 32;
    ctx.addLine(
        r,
        pg("storage", "PostgreSQL storage"),
        { expected: gb * copies },
        `${gb} GB provisioned storage${haNote}${size === undefined ? " (size not set: 32 GB)" : ""}`,
    );
    if (str(obj(r.inputs.backup).geoRedundantBackup) === "Enabled") {
        ctx.addLine(
            r,
            pg("backup-geo", "PostgreSQL backup"),
            { expected: gb },
            `geo-redundant backup, backup size assumed = provisioned storage (${gb} GB)`,
        );
    } else {
        ctx.assume("PostgreSQL locally redundant backups are assumed to fit in the free allowance (100% of provisioned storage).");
    }
}
