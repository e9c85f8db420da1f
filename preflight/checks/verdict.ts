import { PlatformConfig } from "../../lib/config";
import { AzCallError, azJson, AzRunner } from "../az";
import { DeploymentFacts } from "../facts";

/** What every check shares: its verdict, its context, and how several findings fold into one verdict. */

export type Status = "pass" | "warn" | "fail";

export interface Verdict {
    status: Status;
    message: string;
    /** The config key(s) or the Azure action that changes the outcome. */
    fix: string;
}

export interface CheckContext {
    cfg: PlatformConfig;
    facts: DeploymentFacts;
    az: AzRunner;
    subscriptionId: string;
    env: NodeJS.ProcessEnv;
    today: Date;
    /** Whether the stack's resource group exists (asked once, shared by the checks). */
    resourceGroupExists: () => Promise<boolean>;
}

export interface Check {
    id: string;
    title: string;
    run(ctx: CheckContext): Promise<Verdict>;
}

const worst = (verdicts: Verdict[]): Status =>
    verdicts.some((v) => v.status === "fail") ? "fail" : verdicts.some((v) => v.status === "warn") ? "warn" : "pass";

/** One verdict from several findings: the worst status, the messages of that status (or all when passing). */
export function combine(verdicts: Verdict[], passMessage: string, passFix: string): Verdict {
    const status = worst(verdicts);
    if (status === "pass") return { status, message: passMessage, fix: passFix };
    const relevant = verdicts.filter((v) => v.status === status);
    return { status, message: relevant.map((v) => v.message).join("; "), fix: [...new Set(relevant.map((v) => v.fix))].join("; ") };
}

export const lower = (s: string | undefined) => (s ?? "").toLowerCase().replace(/\s+/g, "");
/** Azure Resource Manager, for `az rest`. */
export const ARM = "https://management.azure.com";

/** An `az … show` answer, or null when the resource does not exist. */
export async function showOrNull<T>(az: AzRunner, args: string[]): Promise<T | null> {
    try {
        return await azJson<T>(az, args);
    } catch (e) {
        if (e instanceof AzCallError && e.notFound) return null;
        throw e;
    }
}
