/**
 * REAL pg-bouncer + PostgreSQL: the environment the program renders for the pg-bouncer container
 * (`pgBouncerEnv`, components/pachyderm/pgbouncer.ts) is fed to the `pachyderm/pgbouncer` image's own
 * entrypoint (etc/pgbouncer/entrypoint.sh at 2.12.x, vendored unchanged; it writes /tmp/pgbouncer.ini and
 * /tmp/userlist.txt, so it runs in a mount namespace whose /tmp is a temp dir), which starts Debian's
 * pgbouncer in front of Debian's PostgreSQL 15 holding SCRAM-SHA-256 passwords.
 *
 * - Flexible Server layout: the server accepts TLS only (hostssl rules only, like require_secure_transport=on).
 *   A client configured like pachd's pooled client and Dex (sslmode=disable, PG_BOUNCER_HOST) reaches both
 *   databases through the bouncer, the bouncer's server connection is TLS, a direct plaintext login is refused.
 * - The image's default (md5 userlist, PGBOUNCER_AUTH_TYPE unset: the old rendering) cannot log in.
 * - In-cluster layout: plaintext upstream with SCRAM.
 *
 * Only addresses are replaced (POSTGRESQL_HOST/PORT -> the test server, LISTEN_ADDR/PORT -> a free port);
 * every setting comes from the renderer. Skips with a reason when not root; installs pgbouncer (and
 * postgresql-15) with apt when missing. Set REAL_SERVERS_IT_REQUIRE=1 to turn a skip into a failure.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pgBouncerEnv, PGBOUNCER_AUTH_TYPE } from "../../components/pachyderm/pgbouncer";
import { PGBOUNCER_IMAGE } from "../../lib/facts/pachyderm";
import { ensureDebianPackages, freePort, rootSkipReason, run, Server } from "./realServers";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PGBOUNCER = "/usr/sbin/pgbouncer";
const ENTRYPOINT = path.join(__dirname, "..", "fixtures", "pachyderm", "pgbouncer-entrypoint.sh");
const USER = "pachyderm";
const PASSWORD = "Pw0rd-for-the-integration-test";
const REQUIRE = process.env.REAL_SERVERS_IT_REQUIRE === "1";

const reason =
    rootSkipReason(["unshare", "setpriv", "openssl", "flock"]) ??
    ensureDebianPackages(["postgresql-15", "pgbouncer"]) ??
    (fs.existsSync(`${PG_BIN}/postgres`) && fs.existsSync(PGBOUNCER) ? undefined : `${PG_BIN}/postgres or ${PGBOUNCER} missing`);
if (reason) console.warn(`[pgbouncer integration] SKIPPED: ${reason}`);
const maybe = reason && !REQUIRE ? describe.skip : describe;

/** Runs as the unprivileged `postgres` user (PostgreSQL and pgbouncer refuse root), keeping the environment. */
const asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"];

/** PostgreSQL 15 in a temp directory (TLS on, SCRAM passwords), and the pgbouncer entrypoints started in front of it. */
class PostgresUnderTest {
    dir = "";
    port = 0;
    private postgres: Server | undefined;
    private readonly bouncers: Server[] = [];

    psql(conn: string, sql: string) {
        return run(`${PG_BIN}/psql`, [conn, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
            env: { PATH: process.env.PATH, PGPASSWORD: PASSWORD, PGCONNECT_TIMEOUT: "5" },
        });
    }

    /** SQL as the superuser over the Unix socket (trusted by every pg_hba.conf written here). */
    admin(sql: string): string {
        const r = run(`${PG_BIN}/psql`, [
            "-h",
            this.dir,
            "-p",
            String(this.port),
            "-U",
            "postgres",
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ]);
        if (r.code !== 0) throw new Error(`admin SQL failed: ${sql}\n${r.out}`);
        return r.out.trim();
    }

    writeHba(lines: string[]): void {
        fs.writeFileSync(path.join(this.dir, "pg_hba.conf"), [`local all postgres trust`, ...lines, ""].join("\n"));
        this.admin("SELECT pg_reload_conf()");
    }

    async start(): Promise<void> {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgbouncer-it-"));
        fs.chmodSync(this.dir, 0o755);
        run("chown", ["postgres:postgres", this.dir]);
        const data = path.join(this.dir, "data");
        const init = run(
            "setpriv",
            [
                ...asPostgres,
                `${PG_BIN}/initdb`,
                "-D",
                data,
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=reject",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            { timeoutMs: 60_000 },
        );
        if (init.code !== 0) throw new Error(`initdb failed:\n${init.out}`);
        this.writeCertificate();
        fs.writeFileSync(path.join(this.dir, "pg_hba.conf"), "local all postgres trust\n");
        run("chown", ["postgres:postgres", path.join(this.dir, "pg_hba.conf")]);
        this.port = await freePort();
        const settings = {
            port: this.port,
            listen_addresses: "127.0.0.1",
            unix_socket_directories: this.dir,
            hba_file: path.join(this.dir, "pg_hba.conf"),
            ssl: "on",
            ssl_cert_file: path.join(this.dir, "server.crt"),
            ssl_key_file: path.join(this.dir, "server.key"),
            fsync: "off",
        };
        this.postgres = new Server("postgres", "setpriv", [
            ...asPostgres,
            `${PG_BIN}/postgres`,
            "-D",
            data,
            ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
        ]);
        await this.postgres.waitForPort(this.port);
        // The admin's password stored as PostgreSQL 14+ stores it by default: a SCRAM verifier.
        this.admin(`CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD}'`);
        this.admin(`CREATE DATABASE pachyderm OWNER ${USER}`);
        this.admin(`CREATE DATABASE dex OWNER ${USER}`);
    }

    /** A self-signed server certificate: the bouncer's `require` encrypts without verifying, like pachd's POSTGRES_SSL=require. */
    private writeCertificate(): void {
        const key = path.join(this.dir, "server.key");
        const crt = path.join(this.dir, "server.crt");
        const cert = run("openssl", [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-keyout",
            key,
            "-out",
            crt,
        ]);
        if (cert.code !== 0) throw new Error(`openssl failed:\n${cert.out}`);
        fs.chmodSync(key, 0o600);
        run("chown", ["postgres:postgres", key, crt]);
    }

    /** The entrypoint with the rendered environment, its /tmp a fresh directory; returns that directory too. */
    async startBouncer(label: string, upstreamSslMode: "disable" | "require", drop: string[] = []) {
        const rendered = pgBouncerEnv({ user: USER, upstreamHost: "rendered-host", upstreamSslMode, passwordSecret: "postgres" }).filter(
            (e) => !drop.includes(e.name as string),
        );
        const env: Record<string, string> = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };
        for (const e of rendered) {
            const name = e.name as string;
            if (e.valueFrom) {
                expect(e.valueFrom).toEqual({ secretKeyRef: { name: "postgres", key: "postgresql-password" } });
                env[name] = PASSWORD;
            } else {
                env[name] = e.value as string;
            }
        }
        expect(env.POSTGRESQL_HOST).toBe("rendered-host");
        const port = await freePort();
        Object.assign(env, {
            POSTGRESQL_HOST: "127.0.0.1",
            POSTGRESQL_PORT: String(this.port),
            LISTEN_ADDR: "127.0.0.1",
            LISTEN_PORT: String(port),
        });
        const tmp = fs.mkdtempSync(path.join(this.dir, `bouncer-${label}-`));
        fs.copyFileSync(ENTRYPOINT, path.join(tmp, ".entrypoint.sh"));
        run("chown", ["-R", "postgres:postgres", tmp]);
        // The image's CMD is `/usr/bin/pgbouncer /tmp/pgbouncer.ini`; Debian installs pgbouncer in /usr/sbin.
        const script = `mount --bind "$0" ${PGBOUNCER_IMAGE.configDir} && exec setpriv ${asPostgres.join(" ")} bash ${PGBOUNCER_IMAGE.configDir}/.entrypoint.sh ${PGBOUNCER} ${PGBOUNCER_IMAGE.configDir}/pgbouncer.ini`;
        const b = new Server(`pgbouncer (${label})`, "unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script, tmp], {
            env,
        });
        this.bouncers.push(b);
        await b.waitForPort(port);
        return { port, tmp, b };
    }

    async stop(): Promise<void> {
        for (const b of this.bouncers) await b.stop();
        // SIGTERM is PostgreSQL's "smart" shutdown; no client is left, so it exits at once.
        await this.postgres?.stop();
        if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

const pachdLike = (port: number, db: string) => `host=127.0.0.1 port=${port} dbname=${db} user=${USER} sslmode=disable`;
const SSL_OF_SESSION = "SELECT current_database() || ':' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

maybe("pg-bouncer as rendered, against PostgreSQL 15 with SCRAM passwords", () => {
    const pg = new PostgresUnderTest();
    beforeAll(() => pg.start(), 90_000);
    afterAll(() => pg.stop(), 30_000);

    test("the password is stored as a SCRAM-SHA-256 verifier", () => {
        expect(pg.admin("SHOW password_encryption")).toBe("scram-sha-256");
        expect(pg.admin(`SELECT rolpassword FROM pg_authid WHERE rolname = '${USER}'`)).toMatch(/^SCRAM-SHA-256\$/);
    });

    describe("Flexible Server layout: TLS-only server (hostssl rules only)", () => {
        beforeAll(() => pg.writeHba([`hostssl all all 127.0.0.1/32 scram-sha-256`]));

        test("a direct plaintext login is refused; with TLS it works", () => {
            const plain = pg.psql(`host=127.0.0.1 port=${pg.port} dbname=pachyderm user=${USER} sslmode=disable`, "SELECT 1");
            expect(plain.code).not.toBe(0);
            expect(plain.out).toMatch(/no pg_hba\.conf entry .* no encryption/);
            expect(pg.psql(`host=127.0.0.1 port=${pg.port} dbname=pachyderm user=${USER} sslmode=require`, SSL_OF_SESSION)).toEqual({
                code: 0,
                out: "pachyderm:true\n",
            });
        });

        test("pachd's pooled client and Dex (sslmode=disable) reach both databases; the bouncer speaks TLS upstream", async () => {
            const { port, tmp } = await pg.startBouncer("flexible", "require");
            const ini = fs.readFileSync(path.join(tmp, "pgbouncer.ini"), "utf8");
            expect(ini).toMatch(new RegExp(`^\\s*auth_type = ${PGBOUNCER_AUTH_TYPE}$`, "m"));
            expect(ini).toMatch(/^\s*server_tls_sslmode = require$/m);
            // scram-sha-256: the entrypoint writes the plain password, which pgbouncer can answer SCRAM with.
            expect(fs.readFileSync(path.join(tmp, "userlist.txt"), "utf8")).toBe(`"${USER}" "${PASSWORD}"\n`);
            expect(pg.psql(pachdLike(port, "pachyderm"), SSL_OF_SESSION)).toEqual({ code: 0, out: "pachyderm:true\n" });
            expect(pg.psql(pachdLike(port, "dex"), SSL_OF_SESSION)).toEqual({ code: 0, out: "dex:true\n" });
            // A wrong password is refused by the bouncer itself.
            const wrong = run(`${PG_BIN}/psql`, [pachdLike(port, "pachyderm"), "-c", "SELECT 1"], {
                env: { PGPASSWORD: "wrong", PGCONNECT_TIMEOUT: "5" },
            });
            expect(wrong.code).not.toBe(0);
        });

        test("the image's default (md5 userlist: PGBOUNCER_AUTH_TYPE unset) cannot log in to a SCRAM server", async () => {
            const { port, tmp } = await pg.startBouncer("md5", "require", [PGBOUNCER_IMAGE.authTypeEnv]);
            expect(fs.readFileSync(path.join(tmp, "pgbouncer.ini"), "utf8")).toMatch(/^\s*auth_type = md5$/m);
            expect(fs.readFileSync(path.join(tmp, "userlist.txt"), "utf8")).toMatch(new RegExp(`^"${USER}" "md5[0-9a-f]{32}"\\n$`));
            const r = pg.psql(pachdLike(port, "pachyderm"), "SELECT 1");
            expect(r.code).not.toBe(0);
            // What pachd logged on dev/staging: pgbouncer cannot answer the server's SCRAM challenge with an md5 hash.
            expect(r.out).toMatch(/server login failed: wrong password type/);
        });
    });

    describe("in-cluster layout: plaintext upstream", () => {
        beforeAll(() => pg.writeHba([`host all all 127.0.0.1/32 scram-sha-256`]));

        test("pachd's pooled client and Dex reach both databases through the bouncer", async () => {
            const { port, tmp } = await pg.startBouncer("in-cluster", "disable");
            expect(fs.readFileSync(path.join(tmp, "pgbouncer.ini"), "utf8")).toMatch(/^\s*server_tls_sslmode = disable$/m);
            expect(pg.psql(pachdLike(port, "pachyderm"), SSL_OF_SESSION)).toEqual({ code: 0, out: "pachyderm:false\n" });
            expect(pg.psql(pachdLike(port, "dex"), SSL_OF_SESSION)).toEqual({ code: 0, out: "dex:false\n" });
        });
    });
});
