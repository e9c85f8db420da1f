import { createHash } from "crypto";
import { stringify } from "yaml";
import pachctlPins from "./pachctl.json";

/**
 * cloud-init user-data for the ingress VM (Ubuntu 24.04 LTS) that runs the lab's uploaders and talks to
 * pachd through the internal load balancer at `grpc://<ip>:30650`.
 *
 * The document is built as a plain object and serialised with the `yaml` package (YAML 1.1 rules, which
 * is what cloud-init's PyYAML reads), so no value is ever spliced into YAML text. The only text that is
 * assembled by hand is the content of a few files (shell scripts, unit files, JSON); every value that
 * goes into them is validated first against a strict pattern that admits no quoting, whitespace or shell
 * metacharacter.
 */
export interface IngressUserDataArgs {
    /** pachctl release to install; it must be pinned (URL + SHA-256) in `lib/cloudinit/pachctl.json`. */
    pachctlVersion: string;
    /** Frontend IPv4 address of the internal load balancer in front of pachd. */
    pachdInternalIp: string;
    /** pachd gRPC port on the load balancer. Default 30650. */
    grpcPort?: number;
    /** The VM's admin user (the Azure `osProfile.adminUsername`); gets a pachctl config in its home. */
    adminUsername: string;
    /** How often `pachd-reachability.timer` probes pachd, in minutes. Default 5. */
    healthCheckIntervalMinutes?: number;
}

export const DEFAULT_GRPC_PORT = 30650;
export const DEFAULT_HEALTH_CHECK_INTERVAL_MINUTES = 5;
/** Name of the pachctl context written for root and the admin user. */
export const PACHCTL_CONTEXT = "azure";

const PACHCTL_BIN = "/usr/local/bin/pachctl";
const INSTALL_SCRIPT = "/usr/local/sbin/install-pachctl";
const PROBE_SCRIPT = "/usr/local/sbin/pachd-reachability";
const PROBE_UNIT = "pachd-reachability";
const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/10-ingress-no-password-auth.conf";

const VERSION_RE = /^\d+\.\d+\.\d+$/;
const USERNAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * Names Azure refuses as admin user (documented list for Linux VMs) plus the system accounts of an
 * Ubuntu image: using one of them would either fail the deployment or hand the lab a system account.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
    // Azure reserved admin names
    "administrator",
    "admin",
    "user",
    "user1",
    "test",
    "user2",
    "test1",
    "user3",
    "admin1",
    "1",
    "123",
    "a",
    "actuser",
    "adm",
    "admin2",
    "aspnet",
    "backup",
    "console",
    "david",
    "guest",
    "john",
    "owner",
    "root",
    "server",
    "sql",
    "support",
    "support_388945a0",
    "sys",
    "test2",
    "test3",
    "user4",
    "user5",
    // Ubuntu system accounts and groups
    "daemon",
    "bin",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "list",
    "irc",
    "gnats",
    "nobody",
    "nogroup",
    "_apt",
    "syslog",
    "messagebus",
    "sshd",
    "systemd-network",
    "systemd-resolve",
    "systemd-timesync",
    "systemd-journal",
    "systemd-coredump",
    "polkitd",
    "uuidd",
    "tcpdump",
    "landscape",
    "pollinate",
    "fwupd-refresh",
    "tss",
    "lxd",
    "dnsmasq",
    "usbmux",
    "sudo",
    "wheel",
    "staff",
    "users",
    "ubuntu",
]);

interface PachctlAsset {
    url: string;
    sha256: string;
}

function fail(field: string, value: unknown, why: string): never {
    throw new Error(`renderIngressUserData: invalid ${field} ${JSON.stringify(value)}: ${why}`);
}

function validateIpv4(field: string, value: unknown): string {
    if (typeof value !== "string") fail(field, value, "must be a string holding an IPv4 address");
    const parts = value.split(".");
    const octetsOk = parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
    if (!octetsOk) fail(field, value, "must be a dotted-quad IPv4 address such as 10.40.15.250");
    const a = Number(parts[0]);
    if (value === "0.0.0.0" || value === "255.255.255.255" || a === 127 || a >= 224) {
        fail(
            field,
            value,
            "must be a unicast address a load balancer frontend can have (not unspecified, loopback, multicast or broadcast)",
        );
    }
    return value;
}

function validateInteger(field: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        fail(field, value, `must be an integer from ${min} to ${max}`);
    }
    return value;
}

function validateUsername(value: unknown): string {
    if (typeof value !== "string" || !USERNAME_RE.test(value)) {
        fail("adminUsername", value, `must match ${USERNAME_RE.source} (lower-case letters, digits, '_' and '-')`);
    }
    if (RESERVED_USERNAMES.has(value)) fail("adminUsername", value, "is a reserved or system account name");
    return value;
}

/** The pinned release asset for `version`; throws unless the version has a well-formed pinned checksum. */
function pinnedAsset(version: unknown): PachctlAsset {
    if (typeof version !== "string" || !VERSION_RE.test(version)) {
        fail("pachctlVersion", version, `must match ${VERSION_RE.source}, e.g. "2.12.2"`);
    }
    const pins = pachctlPins as { version?: unknown; assets?: { linux_amd64?: Partial<PachctlAsset> } };
    const asset = pins.assets?.linux_amd64;
    if (pins.version !== version || asset === undefined) {
        fail(
            "pachctlVersion",
            version,
            `has no pinned linux_amd64 SHA-256 in lib/cloudinit/pachctl.json (pinned: ${JSON.stringify(pins.version)})`,
        );
    }
    const expectedUrl = `https://github.com/pachyderm/pachyderm/releases/download/v${version}/pachctl_${version}_linux_amd64.tar.gz`;
    if (asset.url !== expectedUrl) {
        throw new Error(`lib/cloudinit/pachctl.json: url for ${version} must be ${expectedUrl}, got ${JSON.stringify(asset.url)}`);
    }
    if (typeof asset.sha256 !== "string" || !SHA256_RE.test(asset.sha256)) {
        throw new Error(
            `lib/cloudinit/pachctl.json: sha256 for ${version} is not a verified 64-hex-digit SHA-256 (${JSON.stringify(asset.sha256)})`,
        );
    }
    return { url: asset.url, sha256: asset.sha256 };
}

/** A stable per-user id for pachctl's `user_id` (pachctl would otherwise generate one and rewrite the file). */
function pachctlUserId(user: string, address: string): string {
    return createHash("sha256").update(`pachctl-user/${user}/${address}`).digest("hex").slice(0, 32);
}

/** pachctl 2.x config (`~/.pachyderm/config.json`, proto `config.Config` in src/internal/config). */
function pachctlConfig(user: string, address: string): string {
    const config = {
        user_id: pachctlUserId(user, address),
        v2: {
            active_context: PACHCTL_CONTEXT,
            contexts: { [PACHCTL_CONTEXT]: { pachd_address: address } },
            metrics: false,
        },
    };
    return `${JSON.stringify(config, null, 2)}\n`;
}

function installScript(version: string, asset: PachctlAsset): string {
    const dir = `pachctl_${version}_linux_amd64`;
    return [
        "#!/bin/sh",
        `# Managed by cloud-init (ingress VM). Installs pachctl ${version} to ${PACHCTL_BIN}.`,
        "# Fails closed: nothing is installed unless `sha256sum -c` accepts the download against the pinned digest.",
        "set -eu",
        `URL='${asset.url}'`,
        `SHA256='${asset.sha256}'`,
        `DEST='${PACHCTL_BIN}'`,
        "TAG=pachctl-install",
        "work=$(mktemp -d)",
        "trap 'rm -rf \"$work\"' EXIT",
        'if ! curl --fail --silent --show-error --location --proto "=https" --tlsv1.2 \\',
        "    --retry 5 --retry-delay 10 --retry-all-errors --max-time 600 \\",
        '    --output "$work/pachctl.tar.gz" "$URL"; then',
        '  logger -t "$TAG" -p user.err "download failed: $URL"',
        "  exit 1",
        "fi",
        'printf \'%s  %s\\n\' "$SHA256" pachctl.tar.gz > "$work/pachctl.tar.gz.sha256"',
        'if ! (cd "$work" && sha256sum -c --strict pachctl.tar.gz.sha256); then',
        '  logger -t "$TAG" -p user.err "SHA-256 mismatch for $URL (expected $SHA256): pachctl NOT installed"',
        "  exit 1",
        "fi",
        `tar -xzf "$work/pachctl.tar.gz" -C "$work" --no-same-owner --no-same-permissions '${dir}/pachctl'`,
        `install -m 0755 "$work/${dir}/pachctl" "$DEST.new"`,
        'mv -f "$DEST.new" "$DEST"',
        `logger -t "$TAG" -p user.info "installed pachctl ${version} (sha256 $SHA256) at $DEST"`,
        "",
    ].join("\n");
}

function probeScript(address: string): string {
    return [
        "#!/bin/sh",
        `# Managed by cloud-init (ingress VM). Probes pachd at ${address} with \`pachctl version\`.`,
        "# Always exits 0: reachability is reported to syslog (tag pachd-reachability), never as a failed unit.",
        `ADDRESS='${address}'`,
        `PACHCTL='${PACHCTL_BIN}'`,
        "TAG=pachd-reachability",
        'if [ ! -x "$PACHCTL" ]; then',
        '  logger -t "$TAG" -p user.warning "unreachable: $ADDRESS: pachctl is not installed at $PACHCTL"',
        "  exit 0",
        "fi",
        'if out=$(timeout --kill-after=5s 45s "$PACHCTL" version --timeout 30s 2>&1); then',
        '  logger -t "$TAG" -p user.info "reachable: $ADDRESS"',
        "else",
        "  rc=$?",
        "  last=$(printf '%s\\n' \"$out\" | tail -n 1 | cut -c1-300)",
        '  logger -t "$TAG" -p user.warning "unreachable: $ADDRESS (exit $rc): $last"',
        "fi",
        "exit 0",
        "",
    ].join("\n");
}

function probeService(address: string): string {
    return [
        "# Managed by cloud-init (ingress VM).",
        "[Unit]",
        `Description=Log whether pachd answers at ${address}`,
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "Environment=HOME=/root",
        "Environment=PACH_CONFIG=/root/.pachyderm/config.json",
        `ExecStart=${PROBE_SCRIPT}`,
        "TimeoutStartSec=90s",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectSystem=full",
        "",
    ].join("\n");
}

function probeTimer(minutes: number): string {
    return [
        "# Managed by cloud-init (ingress VM).",
        "[Unit]",
        `Description=Probe pachd reachability every ${minutes} minute(s)`,
        "",
        "[Timer]",
        "OnBootSec=2min",
        `OnUnitActiveSec=${minutes}min`,
        "AccuracySec=30s",
        `Unit=${PROBE_UNIT}.service`,
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

const SSHD_CONFIG = [
    "# Managed by cloud-init (ingress VM): key-based SSH only.",
    "# sshd keeps the first value it reads, and this file sorts before 50-cloud-init.conf.",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    "",
].join("\n");

const AUTO_UPGRADES = [
    "// Managed by cloud-init (ingress VM): refresh lists and run unattended-upgrade daily.",
    'APT::Periodic::Update-Package-Lists "1";',
    'APT::Periodic::Unattended-Upgrade "1";',
    'APT::Periodic::AutocleanInterval "7";',
    "",
].join("\n");

const SECURITY_ONLY_ORIGINS = [
    "// Managed by cloud-init (ingress VM): unattended-upgrades installs security updates only.",
    "#clear Unattended-Upgrade::Allowed-Origins;",
    "#clear Unattended-Upgrade::Origins-Pattern;",
    "Unattended-Upgrade::Allowed-Origins {",
    '        "${distro_id}:${distro_codename}-security";',
    '        "${distro_id}ESMApps:${distro_codename}-apps-security";',
    '        "${distro_id}ESM:${distro_codename}-infra-security";',
    "};",
    "",
].join("\n");

/** A root-owned file cloud-init writes in its final stage (`defer`), once packages and the admin user exist. */
function deferred(path: string, permissions: "0600" | "0644" | "0755", content: string) {
    return { path, owner: "root:root", permissions, content, defer: true };
}

/** Renders the `#cloud-config` user-data for the ingress VM. Throws an Error naming the bad field. */
export function renderIngressUserData(args: IngressUserDataArgs): string {
    if (typeof args !== "object" || args === null) throw new Error("renderIngressUserData: args must be an object");
    const asset = pinnedAsset(args.pachctlVersion);
    const version = args.pachctlVersion;
    const ip = validateIpv4("pachdInternalIp", args.pachdInternalIp);
    const port = validateInteger("grpcPort", args.grpcPort ?? DEFAULT_GRPC_PORT, 1, 65535);
    const user = validateUsername(args.adminUsername);
    const minutes = validateInteger(
        "healthCheckIntervalMinutes",
        args.healthCheckIntervalMinutes ?? DEFAULT_HEALTH_CHECK_INTERVAL_MINUTES,
        1,
        1440,
    );
    const address = `grpc://${ip}:${port}`;
    const userHome = `/home/${user}`;

    const doc = {
        package_update: true,
        package_upgrade: true,
        packages: ["unattended-upgrades", "ca-certificates", "curl"],
        ssh_pwauth: false,
        write_files: [
            // Written in the init stage, before sshd first starts.
            { path: SSHD_DROP_IN, owner: "root:root", permissions: "0644", content: SSHD_CONFIG },
            // The rest is deferred to the final stage: after packages are installed and the admin user exists.
            deferred("/etc/apt/apt.conf.d/20auto-upgrades", "0644", AUTO_UPGRADES),
            deferred("/etc/apt/apt.conf.d/52unattended-upgrades-security-only", "0644", SECURITY_ONLY_ORIGINS),
            deferred(INSTALL_SCRIPT, "0755", installScript(version, asset)),
            deferred("/root/.pachyderm/config.json", "0600", pachctlConfig("root", address)),
            // Owned by root when written; handed to the admin user by runcmd (with its directory) below.
            deferred(`${userHome}/.pachyderm/config.json`, "0600", pachctlConfig(user, address)),
            deferred(PROBE_SCRIPT, "0755", probeScript(address)),
            deferred(`/etc/systemd/system/${PROBE_UNIT}.service`, "0644", probeService(address)),
            deferred(`/etc/systemd/system/${PROBE_UNIT}.timer`, "0644", probeTimer(minutes)),
        ],
        // Exec form (argument arrays): cloud-init quotes each argument, nothing goes through word splitting.
        runcmd: [
            ["chown", "-R", `${user}:`, `${userHome}/.pachyderm`],
            ["systemctl", "try-reload-or-restart", "ssh.service"],
            ["systemctl", "enable", "--now", "apt-daily.timer", "apt-daily-upgrade.timer"],
            [INSTALL_SCRIPT],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", `${PROBE_UNIT}.timer`],
            // Last on purpose: runcmd's exit status is its last command's, so a refused or failed
            // pachctl install (e.g. a checksum mismatch) shows up as a cloud-init error.
            ["test", "-x", PACHCTL_BIN],
        ],
    };

    return `#cloud-config\n${stringify(doc, { version: "1.1", lineWidth: 0 })}`;
}
