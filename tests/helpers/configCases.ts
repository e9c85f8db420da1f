import { execFileSync } from "child_process";
import * as fc from "fast-check";
import * as path from "path";
import { z } from "zod";
import { ConfigValidationError, parseConfig, PlatformConfig } from "../../lib/config";
import { FIELD_SCHEMAS } from "../../lib/config/schema";
import { loadStackConfig, REPO_ROOT } from "../../planner";
import type { ProgramCase, ProgramOutcome } from "./programRuns";

/** Generators and verdicts of the config property suite (tests/config.property.test.ts). */
export const project = "pachyderm-azure";
export const base = Object.fromEntries(Object.entries(loadStackConfig("dev").config).map(([k, v]) => [k.slice(project.length + 1), v]));
/** Every generated case as the CLI would get it (stack file + overrides), and whether parseConfig accepted it. */
export const generated: { run: ProgramCase; accepted: boolean }[] = [];

export const TODAY = new Date("2026-12-02T09:00:00Z");

export function rejects(overrides: Record<string, unknown>, key: string, from: Record<string, unknown> = base, stack = "dev"): boolean {
    try {
        parseConfig({ ...from, ...overrides }, { project, stack, today: TODAY });
        generated.push({ run: { stack, overrides }, accepted: true });
        return false;
    } catch (e) {
        generated.push({ run: { stack, overrides }, accepted: false });
        if (!(e instanceof ConfigValidationError)) return false;
        const named = e.problems.some((p) => p.key === key || p.key.startsWith(`${key}[`));
        return named && e.message.includes(key.includes(":") ? key : `${project}:${key}`) && !/^\s+at /m.test(e.message);
    }
}

export const RUNS = 230;
export const octet = fc.integer({ min: 0, max: 255 });
export const hostile = fc
    .tuple(
        fc.stringMatching(/^[a-z]{1,6}$/),
        fc.constantFrom(";", "|", "&&", "$(", "`", "\n", "\r\n", "'", '"', "{", "}", ">", "<", "\\", "\u0000"),
        fc.constantFrom("rm -rf /", "reboot", "\nruncmd: [evil]", "kind: Secret", "#cloud-config", "- evil", "${HOME}", "x: {a: b}", ""),
    )
    .map(([a, b, c]) => `${a}${b}${c}`);

/** Keys whose values end up in cloud-init user-data, Azure tags/names or Kubernetes objects. */
export const INJECTABLE = [
    "namePrefix",
    "owner",
    "costCenter",
    "adminUsername",
    "sshPublicKey",
    "storageContainerName",
    "glusterVolumeName",
    "pachydermNamespace",
    "pachydermVersion",
    "pachdCpuRequest",
    "pachdMemoryRequest",
    "pachdMemoryLimit",
    "etcdCpuRequest",
    "etcdMemoryRequest",
    "etcdMemoryLimit",
    "etcdBackupSchedule",
    "pachydermOidcIssuer",
    "pachydermOidcClientId",
    "cosmosDatabaseName",
    "kubernetesVersion",
    "aksSystemVmSize",
    "aksUserVmSize",
    "ingressVmSize",
    "glusterVmSize",
    "postgresSkuName",
    "location",
    "aksMaintenanceDay",
    "pachdInternalIp",
    "aksDnsServiceIp",
] as const;

export const prodBase = Object.fromEntries(
    Object.entries(loadStackConfig("prod").config).map(([k, v]) => [k.slice(project.length + 1), v]),
);

/** Refused cleanly (naming keys), or accepted with prod's protection unchanged: the two allowed outcomes. */
export function refusedOrProtected(overrides: Record<string, unknown>, from: Record<string, unknown>, stack: string): boolean {
    let cfg: PlatformConfig;
    try {
        cfg = parseConfig({ ...from, ...overrides }, { project, stack, today: TODAY });
    } catch (e) {
        generated.push({ run: { stack, overrides }, accepted: false });
        return e instanceof ConfigValidationError && e.problems.length > 0 && !/^\s+at /m.test(e.message);
    }
    generated.push({ run: { stack, overrides }, accepted: true });
    return stack !== "prod" || (cfg.isProd && cfg.protection.protect && cfg.protection.locks && cfg.postgres.highAvailability);
}

/** A near miss of a word: case changes, `_` for `-`, one letter dropped, doubled or swapped. */
export const nearMiss = (word: string) =>
    fc
        .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: word.length - 2 }))
        .map(([kind, i]) => {
            switch (kind) {
                case 0:
                    return word.toUpperCase();
                case 1:
                    return word.replace(/-/g, "_") === word
                        ? word.slice(0, i) + word.charAt(i).toUpperCase() + word.slice(i + 1)
                        : word.replace(/-/g, "_");
                case 2:
                    return word.slice(0, i) + word.slice(i + 1);
                case 3:
                    return word.slice(0, i) + word[i] + word.slice(i);
                default:
                    return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
            }
        })
        .filter((w) => w !== word);

/** Each key's boundary values, read from its zod schema: both ends of a number range and one step past them, enum options, both booleans. */
export function boundaryValues(): [string, string][] {
    const out: [string, string][] = [];
    for (const [key, schema] of Object.entries(FIELD_SCHEMAS)) {
        const inner = ((schema as z.ZodType)._zod.def as { out?: z.ZodType }).out ?? schema;
        if (inner instanceof z.ZodNumber && inner.minValue !== null && inner.maxValue !== null) {
            const step = inner.format === "safeint" ? 1 : 0.5;
            for (const v of [inner.minValue - step, inner.minValue, inner.maxValue, inner.maxValue + step]) out.push([key, String(v)]);
        } else if (inner instanceof z.ZodEnum) {
            // A long list (the 31 regions) is not a range with edges: its two ends stand for it.
            const options = inner.options.length > 8 ? [inner.options[0], inner.options[inner.options.length - 1]] : inner.options;
            for (const v of options) out.push([key, String(v)]);
        } else if (inner instanceof z.ZodBoolean) out.push([key, "true"], [key, "false"]);
    }
    return out;
}

export function runProgram(runs: ProgramCase[]): ProgramOutcome[] {
    const out = execFileSync(
        process.execPath,
        ["--max-semi-space-size=64", "-r", "./tools/register.cjs", path.join("tests", "helpers", "programRuns.ts")],
        { cwd: REPO_ROOT, input: JSON.stringify(runs), maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(out.toString("utf8"));
}

/**
 * The accepted cases packed into as few program runs as config allows: overrides of different keys go in
 * one run as long as parseConfig still accepts the whole set (and prod stays protected), so every accepted
 * value goes through the program at the cost of about one run per value of the key with the most values.
 */
export function packAccepted(runs: ProgramCase[]): ProgramCase[] {
    const packed: ProgramCase[] = [];
    for (const run of runs) {
        const from = run.stack === "prod" ? prodBase : base;
        const fits = packed.find((p) => {
            if (p.stack !== run.stack || Object.keys(run.overrides).some((k) => k in p.overrides)) return false;
            try {
                const cfg = parseConfig({ ...from, ...p.overrides, ...run.overrides }, { project, stack: run.stack, today: TODAY });
                return run.stack !== "prod" || (cfg.protection.protect && cfg.protection.locks && cfg.postgres.highAvailability);
            } catch {
                return false;
            }
        });
        if (fits) Object.assign(fits.overrides, run.overrides);
        else packed.push({ stack: run.stack, overrides: { ...run.overrides } });
    }
    return packed;
}
