import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import fc from "fast-check";
import { parse } from "yaml";
import {
    AZURE_LUN0_DEVICE,
    BOOTSTRAP_PATH,
    ENV_PATH,
    GlusterUserDataArgs,
    UNIT_NAME,
    UNIT_PATH,
    renderGlusterUserData,
} from "../../lib/cloudinit/gluster";
import { ensureCloudInit, validateCloudConfig } from "../helpers/cloudInitSchema";

const SCRIPT = readFileSync(join(__dirname, "../../scripts/gluster/bootstrap.sh"), "utf8");
const IPS = ["10.20.1.4", "10.20.2.4", "10.20.3.4"];

interface WriteFile {
    path: string;
    content: string;
    permissions?: string;
    owner?: string;
}
interface CloudConfig {
    package_update: boolean;
    packages: string[];
    write_files: WriteFile[];
    runcmd: string[][];
}

const base = (over: Partial<GlusterUserDataArgs> = {}): GlusterUserDataArgs => ({
    nodeIndex: 0,
    nodeIps: [...IPS],
    volumeName: "pachmeta",
    brickDevice: AZURE_LUN0_DEVICE,
    enableGanesha: true,
    ...over,
});

function load(userData: string): CloudConfig {
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    return parse(userData, { version: "1.1" }) as CloudConfig;
}
function file(doc: CloudConfig, path: string): WriteFile {
    const f = doc.write_files.find((w) => w.path === path);
    if (f === undefined) throw new Error(`write_files has no ${path}`);
    return f;
}

/** Values the env file yields when a shell sources it (the way an operator runs the script by hand). */
function sourceEnv(content: string): Record<string, string> {
    const dir = mkdtempSync(join(tmpdir(), "gluster-env-"));
    try {
        writeFileSync(join(dir, "env"), content);
        const r = spawnSync("bash", ["-c", 'set -a; . "$1"; env -0', "_", join(dir, "env")], { encoding: "utf8", env: {} });
        expect(r.status).toBe(0);
        return Object.fromEntries(
            r.stdout
                .split("\0")
                .filter((l) => l.startsWith("GLUSTER_"))
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const nodes = [0, 1, 2].map((nodeIndex) => ({ nodeIndex, enableGanesha: nodeIndex !== 1 }));

const cloudInit = ensureCloudInit();
if (!cloudInit) {
    console.warn("SKIPPING gluster cloud-init schema tests: `cloud-init` is not installed and `apt-get install -y cloud-init` failed.");
}
const describeSchema = cloudInit ? describe : describe.skip;

describeSchema("GlusterFS user-data passes `cloud-init schema -c`", () => {
    test.each(nodes)("node $nodeIndex (ganesha=$enableGanesha)", ({ nodeIndex, enableGanesha }) => {
        const result = validateCloudConfig(renderGlusterUserData(base({ nodeIndex, enableGanesha })));
        expect(result).toEqual({ ok: true, output: expect.not.stringMatching(/error|deprecat|unknown/i) });
    });

    test("a deliberately broken document fails the check (the validator is live)", () => {
        const broken = renderGlusterUserData(base()).replace("package_update: true", "package_update: 42");
        expect(validateCloudConfig(broken).ok).toBe(false);
    });
});

describe("renderGlusterUserData contents", () => {
    test.each(nodes)("node $nodeIndex: packages, script, env, unit, runcmd", ({ nodeIndex, enableGanesha }) => {
        const doc = load(renderGlusterUserData(base({ nodeIndex, enableGanesha })));
        expect(Object.keys(doc).sort()).toEqual(["package_update", "packages", "runcmd", "write_files"]);
        expect(doc.package_update).toBe(true);
        expect(doc.packages).toEqual(
            enableGanesha
                ? ["glusterfs-server", "glusterfs-client", "xfsprogs", "nfs-ganesha", "nfs-ganesha-gluster"]
                : ["glusterfs-server", "glusterfs-client", "xfsprogs"],
        );

        // The script is the repository's file, byte for byte, executable, and valid bash.
        const script = file(doc, BOOTSTRAP_PATH);
        expect(script.content).toBe(SCRIPT);
        expect(script.permissions).toBe("0755");
        expect(script.owner).toBe("root:root");
        expect(spawnSync("bash", ["-n"], { input: script.content }).status).toBe(0);

        const env = file(doc, ENV_PATH);
        expect(env.permissions).toBe("0644");
        expect(sourceEnv(env.content)).toEqual({
            GLUSTER_NODE_INDEX: String(nodeIndex),
            GLUSTER_NODE_IPS: IPS.join(" "),
            GLUSTER_VOLUME: "pachmeta",
            GLUSTER_BRICK_DEVICE: "/dev/disk/azure/scsi1/lun0",
            GLUSTER_BRICK_ROOT: "/srv/gluster",
            GLUSTER_ENABLE_GANESHA: enableGanesha ? "1" : "0",
            GLUSTER_SKIP_INSTALL: "0",
        });
        // systemd's EnvironmentFile= reads the same lines: KEY="value" with nothing to unescape.
        for (const line of env.content.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
            expect(line).toMatch(/^GLUSTER_[A-Z_]+="[A-Za-z0-9./ _:+-]*"$/);
        }

        const unit = file(doc, UNIT_PATH).content;
        expect(unit).toMatch(/^Type=oneshot$/m);
        expect(unit).toMatch(/^After=network-online\.target/m);
        expect(unit).toMatch(/^Wants=network-online\.target$/m);
        expect(unit).toMatch(new RegExp(`^EnvironmentFile=${ENV_PATH}$`, "m"));
        expect(unit).toMatch(new RegExp(`^ExecStart=${BOOTSTRAP_PATH}$`, "m"));
        expect(unit).toMatch(/^Restart=on-failure$/m);
        expect(unit).toMatch(/^WantedBy=multi-user\.target$/m); // enabled => runs on every boot
        expect(unit).not.toMatch(/RemainAfterExit=yes/);

        expect(doc.runcmd).toEqual([
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", UNIT_NAME],
            ["systemctl", "start", "--no-block", UNIT_NAME],
        ]);
    });

    test("the embedded script rejects a bad env by itself (defence in depth)", () => {
        const r = spawnSync("bash", ["-c", SCRIPT], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, GLUSTER_NODE_INDEX: "0", GLUSTER_NODE_IPS: IPS.join(" "), GLUSTER_VOLUME: "x;id" },
        });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/GLUSTER_VOLUME must match/);
    });
});

describe("renderGlusterUserData rejects hostile or malformed input", () => {
    const cases: Array<[string, Partial<GlusterUserDataArgs> | Record<string, unknown>, RegExp]> = [
        ["volume name with shell", { volumeName: "x; rm -rf /" }, /volumeName/],
        ["volume name with YAML", { volumeName: "gv\n- evil: 1" }, /volumeName/],
        ["volume name with $()", { volumeName: "g$(reboot)" }, /volumeName/],
        ["uppercase volume", { volumeName: "GV" }, /volumeName/],
        ["1-char volume", { volumeName: "g" }, /volumeName/],
        ["32-char volume", { volumeName: "g".repeat(32) }, /volumeName/],
        ["IP with newline + YAML", { nodeIps: ["10.0.0.1\n- evil", IPS[1], IPS[2]] }, /nodeIps/],
        ["IP with shell", { nodeIps: ["10.0.0.1;reboot", IPS[1], IPS[2]] }, /nodeIps/],
        ["IP with quote", { nodeIps: ['10.0.0.1"', IPS[1], IPS[2]] }, /nodeIps/],
        ["IP out of range", { nodeIps: ["10.0.0.256", IPS[1], IPS[2]] }, /nodeIps/],
        ["IP with leading zero", { nodeIps: ["10.0.0.01", IPS[1], IPS[2]] }, /nodeIps/],
        ["IPv6", { nodeIps: ["fd00::1", IPS[1], IPS[2]] }, /nodeIps/],
        ["hostname instead of IP", { nodeIps: ["gluster-0", IPS[1], IPS[2]] }, /nodeIps/],
        ["two IPs", { nodeIps: IPS.slice(0, 2) }, /nodeIps/],
        ["four IPs", { nodeIps: [...IPS, "10.20.4.4"] }, /nodeIps/],
        ["duplicate IPs", { nodeIps: [IPS[0], IPS[0], IPS[2]] }, /distinct/],
        ["IP not a string", { nodeIps: [167772161, IPS[1], IPS[2]] }, /nodeIps/],
        ["index 3", { nodeIndex: 3 }, /nodeIndex/],
        ["index -1", { nodeIndex: -1 }, /nodeIndex/],
        ["index 0.5", { nodeIndex: 0.5 }, /nodeIndex/],
        ["index as string", { nodeIndex: "0" }, /nodeIndex/],
        ["index NaN", { nodeIndex: NaN }, /nodeIndex/],
        ["device with shell", { brickDevice: "/dev/sdc; mkfs.ext4 /dev/sda" }, /brickDevice/],
        ["device with newline", { brickDevice: "/dev/sdc\nruncmd: [reboot]" }, /brickDevice/],
        ["device traversal", { brickDevice: "/dev/../etc/passwd" }, /brickDevice/],
        ["device relative", { brickDevice: "dev/sdc" }, /brickDevice/],
        ["device outside /dev", { brickDevice: "/etc/shadow" }, /brickDevice/],
        ["device empty", { brickDevice: "" }, /brickDevice/],
        ["device with space", { brickDevice: "/dev/disk/by-id/a b" }, /brickDevice/],
        ["device with $", { brickDevice: "/dev/$(id)" }, /brickDevice/],
        ["ganesha as string", { enableGanesha: "yes" }, /enableGanesha/],
    ];
    test.each(cases)("%s", (_name, over, field) => {
        expect(() => renderGlusterUserData({ ...base(), ...(over as Partial<GlusterUserDataArgs>) })).toThrow(field);
    });

    test("accepted volume names and devices are exactly the safe ones, and never change the document's shape", () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (vol, devTail) => {
                const brickDevice = `/dev/${devTail}`;
                let out: string;
                try {
                    out = renderGlusterUserData(base({ volumeName: vol, brickDevice }));
                } catch {
                    return true;
                }
                expect(vol).toMatch(/^[a-z][a-z0-9-]{1,30}$/);
                expect(brickDevice).toMatch(/^\/dev(\/[A-Za-z0-9][A-Za-z0-9._:+-]*)+$/);
                const doc = load(out);
                expect(Object.keys(doc).sort()).toEqual(["package_update", "packages", "runcmd", "write_files"]);
                expect(doc.write_files.map((w) => w.path)).toEqual([BOOTSTRAP_PATH, ENV_PATH, UNIT_PATH]);
                return true;
            }),
            { numRuns: 300 },
        );
    });
});
