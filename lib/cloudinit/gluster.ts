import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";

/**
 * cloud-init user-data for one of the three GlusterFS VMs (Ubuntu 24.04) that back Pachyderm's metadata
 * store (etcd + in-cluster PostgreSQL volumes) when the GlusterFS option is chosen. See docs/glusterfs.md.
 *
 * The user-data installs the packages, writes `scripts/gluster/bootstrap.sh` (read from the repository
 * at render time) to /usr/local/sbin/gluster-bootstrap.sh, its parameters to /etc/gluster-bootstrap.env,
 * and a systemd oneshot unit that runs it on every boot (so a node converges again after a reboot or a
 * crash), then starts that unit once from runcmd.
 *
 * The document is built as a plain object and serialised with the `yaml` package (YAML 1.1, what
 * cloud-init's PyYAML reads): no value is spliced into YAML text. The env file and unit are assembled as
 * text, but only from values validated against strict patterns that admit no whitespace, quotes, newlines
 * or shell metacharacters.
 */
export interface GlusterUserDataArgs {
    /** 0, 1 or 2. Node 0 forms the pool and creates the volume. */
    nodeIndex: number;
    /** Private IPv4 addresses of the three nodes, node 0 first. */
    nodeIps: string[];
    /** Gluster volume name, `^[a-z][a-z0-9-]{1,30}$`. */
    volumeName: string;
    /** Stable path of the brick's data disk, e.g. `/dev/disk/azure/scsi1/lun0` (Azure data disk at LUN 0). */
    brickDevice: string;
    /** Configure NFS-Ganesha (FSAL_GLUSTER, NFSv4 only) exporting the volume. */
    enableGanesha: boolean;
}

/** Where the Azure Linux agent's udev rules link the data disk attached at LUN 0. */
export const AZURE_LUN0_DEVICE = "/dev/disk/azure/scsi1/lun0";
export const BOOTSTRAP_PATH = "/usr/local/sbin/gluster-bootstrap.sh";
export const ENV_PATH = "/etc/gluster-bootstrap.env";
export const UNIT_NAME = "gluster-bootstrap.service";
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;

/** The bootstrap script in the repository (single source of truth, also run by the integration test). */
export const BOOTSTRAP_SOURCE = path.join(__dirname, "../../scripts/gluster/bootstrap.sh");

const VOLUME_RE = /^[a-z][a-z0-9-]{1,30}$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Absolute /dev path; each segment starts with an alphanumeric (so no "." / ".." segments, no dotfiles).
const DEVICE_RE = /^\/dev(\/[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}){1,8}$/;

function fail(field: string, value: unknown, why: string): never {
    throw new Error(`renderGlusterUserData: invalid ${field} ${JSON.stringify(value)}: ${why}`);
}

function validate(args: GlusterUserDataArgs): void {
    if (args === null || typeof args !== "object") fail("args", args, "must be an object");
    const { nodeIndex, nodeIps, volumeName, brickDevice, enableGanesha } = args;
    if (typeof nodeIndex !== "number" || !Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex > 2) {
        fail("nodeIndex", nodeIndex, "must be the integer 0, 1 or 2");
    }
    if (!Array.isArray(nodeIps) || nodeIps.length !== 3) fail("nodeIps", nodeIps, "must be an array of exactly 3 IPv4 addresses");
    for (const ip of nodeIps) {
        if (typeof ip !== "string" || !IPV4_RE.test(ip)) fail("nodeIps", ip, "is not a dotted-quad IPv4 address");
    }
    if (new Set(nodeIps).size !== 3) fail("nodeIps", nodeIps, "must be 3 distinct addresses");
    if (typeof volumeName !== "string" || !VOLUME_RE.test(volumeName)) fail("volumeName", volumeName, `must match ${VOLUME_RE}`);
    if (typeof brickDevice !== "string" || !DEVICE_RE.test(brickDevice)) {
        fail(
            "brickDevice",
            brickDevice,
            "must be an absolute /dev/... path of [A-Za-z0-9._:+-] segments (e.g. /dev/disk/azure/scsi1/lun0)",
        );
    }
    if (typeof enableGanesha !== "boolean") fail("enableGanesha", enableGanesha, "must be a boolean");
}

/** /etc/gluster-bootstrap.env: readable by systemd's EnvironmentFile= and by `. file` in a shell. */
export function renderEnvFile(args: GlusterUserDataArgs): string {
    validate(args);
    const vars: Array<[string, string]> = [
        ["GLUSTER_NODE_INDEX", String(args.nodeIndex)],
        ["GLUSTER_NODE_IPS", args.nodeIps.join(" ")],
        ["GLUSTER_VOLUME", args.volumeName],
        ["GLUSTER_BRICK_DEVICE", args.brickDevice],
        ["GLUSTER_BRICK_ROOT", "/srv/gluster"],
        ["GLUSTER_ENABLE_GANESHA", args.enableGanesha ? "1" : "0"],
        ["GLUSTER_SKIP_INSTALL", "0"],
    ];
    return [
        "# Parameters of /usr/local/sbin/gluster-bootstrap.sh (rendered by lib/cloudinit/gluster.ts). No secrets.",
        ...vars.map(([k, v]) => `${k}="${v}"`),
        "",
    ].join("\n");
}

export function renderUnit(): string {
    return [
        "[Unit]",
        "Description=Converge this node's GlusterFS brick, pool and volume (gluster-bootstrap.sh)",
        "Documentation=file:///usr/local/sbin/gluster-bootstrap.sh",
        "Wants=network-online.target",
        "After=network-online.target local-fs.target",
        // Keep retrying after failures (peers still booting, apt lock...) instead of hitting the start limit.
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "Type=oneshot",
        `EnvironmentFile=${ENV_PATH}`,
        `ExecStart=${BOOTSTRAP_PATH}`,
        "Restart=on-failure",
        "RestartSec=30",
        "TimeoutStartSec=30min",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** Renders the `#cloud-config` user-data for GlusterFS node `nodeIndex`. Throws an Error naming the bad field. */
export function renderGlusterUserData(args: GlusterUserDataArgs): string {
    validate(args);
    const script = fs.readFileSync(BOOTSTRAP_SOURCE, "utf8");
    if (!script.startsWith("#!/usr/bin/env bash\n")) throw new Error(`${BOOTSTRAP_SOURCE} does not look like the bootstrap script`);

    const packages = ["glusterfs-server", "glusterfs-client", "xfsprogs"];
    if (args.enableGanesha) packages.push("nfs-ganesha", "nfs-ganesha-gluster");

    const doc = {
        package_update: true,
        packages,
        write_files: [
            { path: BOOTSTRAP_PATH, owner: "root:root", permissions: "0755", content: script },
            { path: ENV_PATH, owner: "root:root", permissions: "0644", content: renderEnvFile(args) },
            { path: UNIT_PATH, owner: "root:root", permissions: "0644", content: renderUnit() },
        ],
        runcmd: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", UNIT_NAME],
            // --no-block: node 0 may wait minutes for its peers; cloud-init must not hang on it. Progress:
            // `journalctl -u gluster-bootstrap`; the unit retries on failure and runs again on every boot.
            ["systemctl", "start", "--no-block", UNIT_NAME],
        ],
    };
    return `#cloud-config\n${stringify(doc, { version: "1.1", lineWidth: 0 })}`;
}
