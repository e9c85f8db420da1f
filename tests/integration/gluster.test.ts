/**
 * REAL GlusterFS integration test: runs tests/integration/gluster-netns.sh, which brings up three
 * GlusterFS nodes (Debian's glusterfs-server) in network/mount/UTS namespaces on this machine with the
 * production scripts/gluster/bootstrap.sh, reads/writes through NFS-Ganesha over NFSv4 (when it can run
 * here), checks that a second bootstrap changes nothing, then replaces the three node "VMs" one by one
 * under continuous I/O (only the brick device survives): each must rejoin as the same peer without a
 * peer probe and heal to 0 entries before the next; bricks end identical, nothing lost or corrupted.
 *
 * Skips, saying why, when not root or /dev/fuse is missing; the scenario itself exits 77 with a
 * "SKIP: <reason>" line when the kernel/container lacks namespaces, bridges or veth pairs or the
 * packages cannot be installed. Set GLUSTER_IT_REQUIRE=1 to turn any skip into a failure (CI runners
 * that are known to support it).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const SCENARIO = path.join(__dirname, "gluster-netns.sh");
// Measured (2 cores shared with other jobs, load average ~28): 298-360 s; the time-out only bounds a hung run.
const SCENARIO_TIMEOUT_MS = 420_000;
const REQUIRE = process.env.GLUSTER_IT_REQUIRE === "1";

function skipReason(): string | undefined {
    if (process.platform !== "linux") return `needs Linux (platform is ${process.platform})`;
    if (typeof process.getuid !== "function" || process.getuid() !== 0) return "needs root (namespaces, loop devices, FUSE mounts)";
    if (!fs.existsSync("/dev/fuse")) return "/dev/fuse is missing (no FUSE client mount possible)";
    return undefined;
}

interface RunResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    output: string;
    ms: number;
    timedOut: boolean;
}

function runScenario(timeoutMs: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        // Own process group, so a time-out can stop the scenario and everything it started; SIGTERM
        // first so its EXIT trap cleans up namespaces, mounts and loop devices.
        const child = spawn("bash", [SCENARIO], {
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, LC_ALL: "C" },
        });
        let output = "";
        let timedOut = false;
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        const killGroup = (sig: NodeJS.Signals) => {
            try {
                if (child.pid) process.kill(-child.pid, sig);
            } catch {
                /* already gone */
            }
        };
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup("SIGTERM");
            setTimeout(() => killGroup("SIGKILL"), 30_000).unref();
        }, timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, output, ms: Date.now() - started, timedOut });
        });
    });
}

const reason = skipReason();
if (reason) {
    console.warn(`[gluster integration] SKIPPED: ${reason}`);
}
const maybeTest = reason && !REQUIRE ? test.skip : test;

describe("GlusterFS 3-node bootstrap on this machine (network namespaces)", () => {
    maybeTest(
        "replica-3 volume: bootstrap is idempotent, the three VMs are replaced one by one under I/O, nothing is lost",
        async () => {
            if (reason) throw new Error(`GLUSTER_IT_REQUIRE=1 but cannot run: ${reason}`);
            const r = await runScenario(SCENARIO_TIMEOUT_MS);
            const tail = r.output.split("\n").slice(-120).join("\n");
            console.log(
                `[gluster integration] scenario exit=${r.code}${r.signal ? ` signal=${r.signal}` : ""} after ${(r.ms / 1000).toFixed(1)}s\n` +
                    r.output
                        .split("\n")
                        .filter((l) => /^(CHECK|GANESHA|TIMING|BRICKS|RESULT|SKIP|FAIL|node \d)/.test(l))
                        .join("\n"),
            );
            if (r.timedOut) throw new Error(`scenario timed out after ${SCENARIO_TIMEOUT_MS / 1000}s\n${tail}`);
            if (r.code === 77) {
                const why = r.output.split("\n").find((l) => l.startsWith("SKIP:")) ?? "SKIP: (no reason printed)";
                if (REQUIRE) throw new Error(`GLUSTER_IT_REQUIRE=1 but the scenario skipped: ${why}`);
                console.warn(`[gluster integration] ${why}`);
                return;
            }
            if (r.code !== 0) throw new Error(`scenario failed (exit ${r.code})\n${tail}`);

            const out = r.output;
            expect(out).toMatch(/^CHECK volume: Type: Replicate, 1 x 3 = 3 bricks, Status: Started$/m);
            expect(out).toMatch(/^CHECK layout: etcd-0\.\.2 \(65532:65532 0700\) and postgres-0 \(999:999 0700\) exist$/m);
            expect(out).toMatch(/^CHECK io-during-failure: .* OK with node 0 down/m);
            for (const n of [0, 1, 2]) {
                expect(out).toMatch(
                    new RegExp(
                        `^CHECK replaced: node ${n} rejoined as the same peer \\([0-9a-f-]{36}\\) without probe, heal 0 entries`,
                        "m",
                    ),
                );
            }
            expect(out).toMatch(/^CHECK writer: [1-9]\d* files written, read back and re-read through the whole roll with no failure$/m);
            expect(out).toMatch(/^CHECK heal: 0 entries on 3 connected bricks after \d+s/m);
            expect(out).toMatch(
                /^CHECK bricks-identical: sha256 \+ owner\/mode of \d+ files identical on all 3 bricks, equal to the client view, nothing lost$/m,
            );
            for (const n of [0, 1, 2]) {
                expect(out).toMatch(new RegExp(`^CHECK idempotent: node ${n} changed=0$`, "m"));
            }
            // First run must have changed things (formatted, mounted, started...), the re-run nothing.
            expect(out).toMatch(/^node 0 \[first\]: rc=0 bootstrap: changed=([1-9]\d*)$/m);
            expect(out).toMatch(/^GANESHA: (OK|SKIPPED)/m);
            if (/^GANESHA: SKIPPED/m.test(out)) {
                console.warn(`[gluster integration] NFS-Ganesha part skipped: ${out.match(/^GANESHA: SKIPPED.*$/m)?.[0]}`);
            }
            expect(out).toMatch(/^RESULT: PASS in \d+s$/m);
            expect(out).toMatch(/^TIMING: total \d+s \(cleanup done\)$/m);
        },
        SCENARIO_TIMEOUT_MS + 45_000,
    );
});
