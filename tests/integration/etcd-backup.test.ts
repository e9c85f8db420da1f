/**
 * REAL etcd: the backup CronJob's snapshot container (`etcdSnapshotContainer`, components/pachyderm/backup.ts;
 * tests/components/pachyderm.test.ts checks it is exactly what the CronJob renders) runs its command array
 * as is, in a chroot that holds nothing but etcdctl at the image's path and the snapshot volume: no shell,
 * no coreutils, like the distroless `pachyderm/etcd` image (lib/facts/pachyderm.ts ETCD_IMAGE). The
 * snapshot must then pass `etcdctl snapshot status`, restore to a new data dir, and a new etcd started from
 * it must return the key written before the backup.
 *
 * Uses Debian's etcd (etcd-server, etcd-client 3.4; the image ships 3.5.12 with the same snapshot command and
 * format). Only the endpoint is replaced (ETCDCTL_ENDPOINTS -> the test server). Skips with a reason when not
 * root; installs the packages with apt when missing. REAL_SERVERS_IT_REQUIRE=1 turns a skip into a failure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { etcdSnapshotContainer } from "../../components/pachyderm/backup";
import { NONROOT_UID } from "../../components/pachyderm/etcd";
import { ETCD_IMAGE } from "../../lib/facts/pachyderm";
import { ensureDebianPackages, freePort, rootSkipReason, run, Server } from "./realServers";

const ETCD = "/usr/bin/etcd";
const ETCDCTL = "/usr/bin/etcdctl";
const REQUIRE = process.env.REAL_SERVERS_IT_REQUIRE === "1";

const reason =
    rootSkipReason(["chroot", "ldd", "flock"]) ??
    ensureDebianPackages(["etcd-server", "etcd-client"]) ??
    (fs.existsSync(ETCD) && fs.existsSync(ETCDCTL) ? undefined : `${ETCD} or ${ETCDCTL} missing`);
if (reason) console.warn(`[etcd backup integration] SKIPPED: ${reason}`);
const maybe = reason && !REQUIRE ? describe.skip : describe;

/** An etcd member on free ports, data in `dataDir` (which may hold a restored snapshot). */
async function startEtcd(name: string, dataDir: string, restored?: { peerPort: number }) {
    const client = await freePort();
    const peer = restored?.peerPort ?? (await freePort());
    const server = new Server(
        `etcd ${name}`,
        ETCD,
        [
            `--name=${name}`,
            `--data-dir=${dataDir}`,
            `--listen-client-urls=http://127.0.0.1:${client}`,
            `--advertise-client-urls=http://127.0.0.1:${client}`,
            `--listen-peer-urls=http://127.0.0.1:${peer}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
            `--initial-cluster=${name}=http://127.0.0.1:${peer}`,
        ],
        { env: { PATH: process.env.PATH } },
    );
    await server.waitForPort(client);
    return { server, endpoint: `http://127.0.0.1:${client}` };
}

const etcdctl = (args: string[]) => run(ETCDCTL, args, { env: { PATH: process.env.PATH, ETCDCTL_API: "3" } });

maybe("etcd backup job: the rendered command, no shell, against a real etcd", () => {
    let dir = "";
    const servers: Server[] = [];
    afterAll(async () => {
        for (const s of servers) await s.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    test("snapshot saved by the exact command array restores and returns the data", async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd-backup-it-"));
        const source = await startEtcd("source", path.join(dir, "source"));
        servers.push(source.server);
        const value = `written-before-the-backup-${process.pid}`;
        expect(etcdctl([`--endpoints=${source.endpoint}`, "put", "/pachyderm/it-key", value]).code).toBe(0);

        const c = etcdSnapshotContainer();
        const command = [...(c.command as string[]), ...((c.args as string[] | undefined) ?? [])];

        // The image, reduced to what it holds: etcdctl (Debian's, with the libraries it links) and the volume.
        const root = path.join(dir, "rootfs");
        const install = (from: string, to: string) => {
            fs.mkdirSync(path.join(root, path.dirname(to)), { recursive: true });
            fs.copyFileSync(from, path.join(root, to));
            fs.chmodSync(path.join(root, to), 0o755);
        };
        install(ETCDCTL, ETCD_IMAGE.etcdctl);
        const libs = run("ldd", [ETCDCTL]).out.match(/\/\S+/g) ?? [];
        for (const lib of libs) install(fs.realpathSync(lib), lib);
        for (const m of c.volumeMounts as { mountPath: string }[]) {
            fs.mkdirSync(path.join(root, m.mountPath), { recursive: true });
            fs.chownSync(path.join(root, m.mountPath), NONROOT_UID, NONROOT_UID);
        }
        for (const shell of ["bin/sh", "bin/bash", "usr/bin/sh", "bin/date"]) expect(fs.existsSync(path.join(root, shell))).toBe(false);

        const env: Record<string, string> = {};
        for (const e of c.env as { name: string; value: string }[]) env[e.name] = e.value;
        expect(Object.keys(env)).toEqual([ETCD_IMAGE.endpointsEnv]);
        env[ETCD_IMAGE.endpointsEnv] = source.endpoint;
        // The pod's uid (podSecurityContext(NONROOT_UID) in the CronJob), straight exec of the array: no shell anywhere.
        const saved = run("/usr/sbin/chroot", [`--userspec=${NONROOT_UID}:${NONROOT_UID}`, root, ...command], { env });
        if (saved.code !== 0) throw new Error(`the backup command failed in an image without a shell (exit ${saved.code}):\n${saved.out}`);
        // The command's last argument is the snapshot file (etcdSnapshotContainer).
        const snapshotFile = command.at(-1);
        if (snapshotFile === undefined) throw new Error("the backup command is empty");
        const snapshotInRoot = path.join(root, snapshotFile);
        expect(fs.statSync(snapshotInRoot).size).toBeGreaterThan(0);

        const status = etcdctl(["snapshot", "status", snapshotInRoot, "-w", "json"]);
        expect(status.code).toBe(0);
        expect(JSON.parse(status.out).totalKey).toBeGreaterThanOrEqual(1);

        const peerPort = await freePort();
        const restoredDir = path.join(dir, "restored");
        const restore = etcdctl([
            "snapshot",
            "restore",
            snapshotInRoot,
            "--name=restored",
            `--data-dir=${restoredDir}`,
            `--initial-cluster=restored=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        ]);
        expect(restore).toMatchObject({ code: 0 });
        const restored = await startEtcd("restored", restoredDir, { peerPort });
        servers.push(restored.server);
        expect(etcdctl([`--endpoints=${restored.endpoint}`, "get", "/pachyderm/it-key", "--print-value-only"])).toEqual({
            code: 0,
            out: `${value}\n`,
        });
    }, 90_000);
});
