/**
 * Shared plumbing of the real-server integration tests (pgbouncer.test.ts, etcd-backup.test.ts): Debian
 * packages installed on demand, free ports on 127.0.0.1, servers in their own process groups, bounded waits.
 */
import { ChildProcess, execFileSync, spawn, SpawnOptions } from "child_process";
import * as fs from "fs";
import * as net from "net";

/** Why this machine cannot run a real-server test (undefined when it can). */
export function rootSkipReason(commands: string[]): string | undefined {
    if (process.platform !== "linux") return `needs Linux (platform is ${process.platform})`;
    if (typeof process.getuid !== "function" || process.getuid() !== 0)
        return "needs root (installs Debian packages, switches users, mount namespaces/chroot)";
    const missing = commands.filter((c) => !["/usr/bin", "/usr/sbin", "/bin", "/sbin"].some((d) => fs.existsSync(`${d}/${c}`)));
    if (missing.length > 0) return `command(s) not found: ${missing.join(", ")}`;
    return undefined;
}

const installed = (pkg: string): boolean => {
    try {
        return (
            execFileSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }) ===
            "install ok installed"
        );
    } catch {
        return false;
    }
};

/**
 * Installs the missing Debian packages (CI starts from a fresh machine). Package scripts may not start
 * daemons (policy-rc.d), and a lock serialises the test files' apt runs. Returns a reason when impossible.
 */
export function ensureDebianPackages(pkgs: string[]): string | undefined {
    const missing = pkgs.filter((p) => !installed(p));
    if (missing.length === 0) return undefined;
    if (!fs.existsSync("/usr/bin/apt-get")) return `apt-get not available to install ${missing.join(" ")}`;
    const prc = "/usr/sbin/policy-rc.d";
    const created = !fs.existsSync(prc);
    if (created) fs.writeFileSync(prc, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    const apt = (args: string[]) =>
        execFileSync("flock", ["/var/lock/pachyderm-azure-it-apt.lock", "apt-get", "-q", "-o", "DPkg::Lock::Timeout=300", ...args], {
            env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 600_000,
        });
    try {
        apt(["update"]);
        apt(["install", "-y", "--no-install-recommends", ...missing]);
        return undefined;
    } catch (e) {
        const err = e as { stderr?: Buffer; message: string };
        return `could not install ${missing.join(" ")}: ${err.stderr?.toString().trim().split("\n").slice(-3).join(" / ") ?? err.message}`;
    } finally {
        if (created) fs.rmSync(prc, { force: true });
    }
}

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

/** A long-running server in its own process group, its output kept for error messages. */
export class Server {
    readonly child: ChildProcess;
    output = "";
    exited: number | null | undefined = undefined;

    constructor(
        readonly label: string,
        cmd: string,
        args: string[],
        opts: SpawnOptions = {},
    ) {
        this.child = spawn(cmd, args, { ...opts, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        const keep = (d: Buffer) => {
            this.output = (this.output + d.toString()).slice(-20_000);
        };
        this.child.stdout!.on("data", keep);
        this.child.stderr!.on("data", keep);
        this.child.on("exit", (code) => {
            this.exited = code;
        });
    }

    /** Resolves once 127.0.0.1:port accepts connections; fails if the server exits or `ms` pass. */
    async waitForPort(port: number, ms = 20_000): Promise<void> {
        const deadline = Date.now() + ms;
        for (;;) {
            if (this.exited !== undefined) throw new Error(`${this.label} exited (${this.exited}) before listening:\n${this.output}`);
            const ok = await new Promise<boolean>((resolve) => {
                const s = net.connect(port, "127.0.0.1");
                s.once("connect", () => {
                    s.destroy();
                    resolve(true);
                });
                s.once("error", () => resolve(false));
            });
            if (ok) return;
            if (Date.now() > deadline) throw new Error(`${this.label} not listening on ${port} after ${ms} ms:\n${this.output}`);
            await new Promise((r) => setTimeout(r, 100));
        }
    }

    /** Stops the whole process group (SIGTERM, then SIGKILL after 5 s). */
    async stop(): Promise<void> {
        const pid = this.child.pid;
        if (!pid || this.exited !== undefined) return;
        const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
        const kill = (sig: NodeJS.Signals) => {
            try {
                process.kill(-pid, sig);
            } catch {
                /* already gone */
            }
        };
        kill("SIGTERM");
        const timer = setTimeout(() => kill("SIGKILL"), 5_000);
        await gone;
        clearTimeout(timer);
    }
}

/** Runs a command to completion; returns its exit code and output (never throws on a non-zero exit). */
export function run(
    cmd: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): { code: number; out: string } {
    try {
        const out = execFileSync(cmd, args, {
            env: opts.env ?? process.env,
            cwd: opts.cwd,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            timeout: opts.timeoutMs ?? 30_000,
        });
        return { code: 0, out };
    } catch (e) {
        const err = e as { status?: number | null; stdout?: string; stderr?: string; message: string };
        return { code: err.status ?? -1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` || err.message };
    }
}
