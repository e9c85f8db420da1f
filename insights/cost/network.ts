/** Cost models of networking: load balancers, public IPs, private endpoints and private DNS zones. */
import type { PlanResource } from "../../planner/types";
import { arr, CostContext, obj, str } from "./context";

/** A Standard load balancer: its rules by the hour, and the data a public one processes. */
export function loadBalancerModel(r: PlanResource, ctx: CostContext): void {
    const { hours, opts } = ctx;
    const sku = str(obj(r.inputs.sku).name) ?? "Basic";
    if (sku !== "Standard") {
        ctx.unpriced(r, `no price for load balancer SKU '${sku}' (Basic is retired)`);
        return;
    }
    const lb = (meter: string) => ({ kind: "lb", sku: `Standard-${meter}`, region: ctx.regionOf(r), what: "load balancer" });
    const rules = arr(r.inputs.loadBalancingRules).length + arr(r.inputs.outboundRules).length;
    if (rules === 0) {
        ctx.addLine(r, lb("first5rules"), { expected: 0 }, "no load-balancing or outbound rule: no rule charge");
        return;
    }
    ctx.addLine(r, lb("first5rules"), { expected: hours }, `${rules} rule(s): first 5 included x ${hours} h`);
    if (rules > 5) ctx.addLine(r, lb("extra-rule"), { expected: (rules - 5) * hours }, `${rules - 5} extra rule(s) x ${hours} h`);
    const isPublic = arr(r.inputs.frontendIPConfigurations).some((f) => obj(f).publicIPAddress !== undefined);
    if (isPublic) {
        const share = (ctx.usage("lbDataProcessedShareOfDataPerMonth") as number | undefined) ?? 0;
        const gb = opts.dataTb * 1024 * share;
        ctx.addLine(
            r,
            lb("data"),
            { expected: gb, min: 0, max: gb * 2 },
            `${gb} GB processed a month = ${share * 100}% of the data volume (usage assumption; range 0..2x)`,
        );
    }
}

/** A Standard public IP by the hour. */
export function publicIpModel(r: PlanResource, ctx: CostContext): void {
    const sku = str(obj(r.inputs.sku).name);
    if (sku !== "Standard") ctx.unpriced(r, `no price for public IP SKU '${sku ?? "(not set: Basic)"}'`);
    else
        ctx.addLine(
            r,
            { kind: "pip", sku: "Standard", region: ctx.regionOf(r), what: "public IP" },
            { expected: ctx.hours },
            `1 Standard IP x ${ctx.hours} h`,
        );
}

/** A private endpoint by the hour. */
export function privateEndpointModel(r: PlanResource, ctx: CostContext): void {
    ctx.addLine(
        r,
        { kind: "privateendpoint", sku: "hour", region: ctx.regionOf(r), what: "private endpoint" },
        { expected: ctx.hours },
        `1 endpoint x ${ctx.hours} h; data processed not included`,
    );
}

/** A private DNS zone a month. */
export function privateDnsZoneModel(r: PlanResource, ctx: CostContext): void {
    ctx.addLine(
        r,
        { kind: "privatedns", sku: "zone", region: "global", what: "private DNS zone" },
        { expected: 1 },
        "1 hosted zone a month; queries not included",
    );
}
