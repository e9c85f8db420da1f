import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { renderIngressUserData } from "../../lib/cloudinit/ingress";
import { base, file, load, PINNED_SHA, PINNED_VERSION } from "./ingressDocument";

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ingress-scripts-"));
    mkdirSync(join(dir, "bin"));
    // logger stand-in: appends its arguments to a file (no syslog socket needed).
    writeFileSync(join(dir, "bin", "logger"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${dir}/syslog'\n`, { mode: 0o755 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string): { status: number | null; out: string; syslog: string } => {
    const path = join(dir, "script.sh");
    writeFileSync(path, script, { mode: 0o755 });
    const r = spawnSync("sh", [path], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` },
        timeout: 30_000,
    });
    const syslog = existsSync(join(dir, "syslog")) ? readFileSync(join(dir, "syslog"), "utf8") : "";
    return { status: r.status, out: `${r.stdout}${r.stderr}`, syslog };
};

/** A tarball shaped like the release asset, and a curl stand-in that "downloads" it. */
const fakeRelease = (): string => {
    const top = join(dir, "release", `pachctl_${PINNED_VERSION}_linux_amd64`);
    mkdirSync(top, { recursive: true });
    writeFileSync(join(top, "pachctl"), "#!/bin/sh\necho fake pachctl\n", { mode: 0o755 });
    const tarball = join(dir, "release.tar.gz");
    expect(spawnSync("tar", ["-czf", tarball, "-C", join(dir, "release"), `pachctl_${PINNED_VERSION}_linux_amd64`]).status).toBe(0);
    writeFileSync(
        join(dir, "bin", "curl"),
        `#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = --output ]; then cp '${tarball}' "$2"; exit 0; fi; shift; done\nexit 22\n`,
        { mode: 0o755 },
    );
    return createHash("sha256").update(readFileSync(tarball)).digest("hex");
};

const installScript = (): string => {
    const content = file(load(renderIngressUserData(base)), "/usr/local/sbin/install-pachctl").content;
    return content.replace("DEST='/usr/local/bin/pachctl'", `DEST='${dir}/pachctl'`);
};

const probeScript = (): string =>
    file(load(renderIngressUserData(base)), "/usr/local/sbin/pachd-reachability").content.replace(
        "PACHCTL='/usr/local/bin/pachctl'",
        `PACHCTL='${dir}/bin/pachctl'`,
    );

test.each([
    ["reachable", "exit 0", /^-t pachd-reachability -p user\.info reachable: grpc:\/\/10\.40\.15\.250:30650$/m],
    [
        "unreachable",
        "echo 'context deadline exceeded' >&2; exit 1",
        /user\.warning unreachable: grpc:\/\/10\.40\.15\.250:30650 \(exit 1\): context deadline exceeded/,
    ],
])("probe logs %s and exits 0", (_label, body, expected) => {
    const pachctl = join(dir, "bin", "pachctl");
    writeFileSync(pachctl, `#!/bin/sh\n[ "$1" = version ] || exit 99\n${body}\n`);
    chmodSync(pachctl, 0o755);
    const r = run(probeScript());
    expect(r.status).toBe(0);
    expect(r.syslog).toMatch(expected);
});

describe("generated scripts behave (run locally with stand-in curl, pachctl and logger)", () => {
    test("install fails closed when the download does not match the pinned SHA-256", () => {
        fakeRelease(); // its digest is not the pinned one
        const r = run(installScript());
        expect(r.status).not.toBe(0);
        expect(r.out).toMatch(/FAILED/);
        expect(r.syslog).toMatch(/SHA-256 mismatch .*NOT installed/);
        expect(existsSync(join(dir, "pachctl"))).toBe(false);
        expect(existsSync(join(dir, "pachctl.new"))).toBe(false);
    });

    test("install succeeds when the digest matches", () => {
        const sha = fakeRelease();
        const r = run(installScript().replace(`SHA256='${PINNED_SHA}'`, `SHA256='${sha}'`));
        expect(r.out).toMatch(/pachctl\.tar\.gz: OK/);
        expect(r.status).toBe(0);
        expect(spawnSync(join(dir, "pachctl"), { encoding: "utf8" }).stdout).toBe("fake pachctl\n");
    });

    test("probe exits 0 and logs when pachctl is not installed", () => {
        const r = run(probeScript());
        expect(r.status).toBe(0);
        expect(r.syslog).toMatch(/unreachable: .*pachctl is not installed/);
    });
});
