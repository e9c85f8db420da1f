import { execFile } from "child_process";

/**
 * The one door to Azure: the `az` CLI, which carries the user's login (or CI's OIDC login from
 * azure/login) so that preflight needs no credentials of its own. Every call asks for JSON.
 */

interface AzResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface AzRunner {
    /** Runs `az <args> --output json`; rejects with `AzUnavailableError` when there is no `az` to run. */
    run(args: string[]): Promise<AzResult>;
}

/** `az` is not installed (not on the PATH): nothing can be checked. */
export class AzUnavailableError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AzUnavailableError";
    }
}

/** An `az` call that exited non-zero, with the first line of its error. */
export class AzCallError extends Error {
    constructor(
        public readonly args: string[],
        public readonly result: AzResult,
    ) {
        super(`az ${args.slice(0, 3).join(" ")}: ${firstLine(result.stderr) || `exit code ${result.code}`}`);
        this.name = "AzCallError";
    }

    /**
     * The resource does not exist. az prints ARM's error code in parentheses on stderr, e.g.
     * `ERROR: (ResourceNotFound) The Resource '…' under resource group '…' was not found.`
     * (ARM error codes: https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-not-found).
     */
    get notFound(): boolean {
        return /\((ResourceNotFound|ResourceGroupNotFound|ParentResourceNotFound|NotFound)\)/.test(this.result.stderr);
    }
}

export function firstLine(text: string): string {
    return (
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l.length > 0)
            ?.replace(/^ERROR:\s*/, "")
            .slice(0, 200) ?? ""
    );
}

/** Runs `az` with the arguments and parses its JSON output; throws `AzCallError` on a non-zero exit. */
export async function azJson<T = unknown>(az: AzRunner, args: string[]): Promise<T> {
    const result = await az.run(args);
    if (result.code !== 0) throw new AzCallError(args, result);
    try {
        return JSON.parse(result.stdout) as T;
    } catch {
        throw new AzCallError(args, { ...result, stderr: `not JSON: ${result.stdout.slice(0, 80)}` });
    }
}

/**
 * The real `az`, at most `concurrency` processes at a time (each is a Python interpreter; a CI runner
 * has two cores). `--only-show-errors` keeps warnings (e.g. "For prices please refer to…") off stderr.
 */
export function processAzRunner(options: { concurrency?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): AzRunner {
    const limit = options.concurrency ?? 6;
    let active = 0;
    const queue: (() => void)[] = [];
    const acquire = () =>
        new Promise<void>((resolve) => {
            if (active < limit) {
                active++;
                resolve();
            } else
                queue.push(() => {
                    active++;
                    resolve();
                });
        });
    const release = () => {
        active--;
        queue.shift()?.();
    };
    return {
        async run(args) {
            await acquire();
            try {
                return await new Promise<AzResult>((resolve, reject) => {
                    execFile(
                        "az",
                        [...args, "--output", "json", "--only-show-errors"],
                        {
                            env: options.env ?? process.env,
                            timeout: options.timeoutMs ?? 120_000,
                            maxBuffer: 64 * 1024 * 1024,
                        },
                        (err, stdout, stderr) => {
                            const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
                            if (e && e.code === "ENOENT") {
                                reject(
                                    new AzUnavailableError(
                                        "the Azure CLI (az) is not on the PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli)",
                                    ),
                                );
                                return;
                            }
                            const code = e ? (typeof e.code === "number" ? e.code : 1) : 0;
                            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
                        },
                    );
                });
            } finally {
                release();
            }
        },
    };
}
