/**
 * The committed package-lock.json describes what every supported platform installs (issue 17).
 * npm ci installs only what the lock lists: an optional platform package a dependency declares but the lock
 * lacks (e.g. @unrs/resolver-binding-darwin-arm64, jest's resolver on a Mac) is never installed there, and
 * `npm ci` refuses the lock as out of sync ("Missing: ... from lock file"). npm resolves a dependency like
 * Node does: the nearest node_modules folder from the dependent's path upwards
 * (https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json#packages).
 */
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "../..");
interface LockEntry {
    version?: string;
    optional?: boolean;
    os?: string[];
    cpu?: string[];
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
}
interface Lock {
    lockfileVersion: number;
    packages: Record<string, LockEntry>;
}
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as Lock;
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    engines: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
};

/** The lock entry a dependency of `from` resolves to, walking node_modules folders upwards. */
function resolveInLock(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
    let dir = from;
    for (;;) {
        const candidate = dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`;
        if (packages[candidate]) return candidate;
        if (!dir) return undefined;
        const up = dir.lastIndexOf("/node_modules/");
        dir = up < 0 ? "" : dir.slice(0, up);
    }
}

/** Every optional dependency some locked package declares but the lock does not hold. */
function missingOptionalEntries(packages: Record<string, LockEntry>): string[] {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(packages)) {
        for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
            if (!resolveInLock(packages, at, dep)) missing.push(`${at || "(root)"} -> ${dep}`);
        }
    }
    return missing;
}

describe("package-lock.json", () => {
    test("holds every optional platform package that a locked dependency declares", () => {
        expect(missingOptionalEntries(lock.packages)).toEqual([]);
    });

    test("detects a missing platform entry (the defect of the earlier lock)", () => {
        const trimmed = { ...lock.packages };
        delete trimmed["node_modules/@unrs/resolver-binding-darwin-arm64"];
        expect(missingOptionalEntries(trimmed)).toEqual(["node_modules/unrs-resolver -> @unrs/resolver-binding-darwin-arm64"]);
    });

    test.each([
        ["darwin", "arm64"],
        ["darwin", "x64"],
        ["win32", "x64"],
        ["linux", "arm64"],
        ["linux", "x64"],
    ])("every package with per-platform binaries has a %s-%s build locked", (os, cpu) => {
        const families = new Map<string, boolean>();
        for (const [at, entry] of Object.entries(lock.packages)) {
            for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
                const target = resolveInLock(lock.packages, at, dep);
                const e = target ? lock.packages[target] : undefined;
                if (!e?.os || !e.cpu) continue;
                const key = at || "(root)";
                const hit = e.os.includes(os) && e.cpu.includes(cpu);
                families.set(key, (families.get(key) ?? false) || hit);
            }
        }
        expect(families.size).toBeGreaterThan(0);
        expect([...families].filter(([, has]) => !has).map(([at]) => at)).toEqual([]);
    });

    test("pins the root's direct dependencies exactly as package.json does (npm ci installs these)", () => {
        const wanted = { ...pkg.dependencies, ...pkg.devDependencies };
        for (const [name, version] of Object.entries(wanted)) {
            expect({ name, spec: version }).toEqual({ name, spec: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
            expect({ name, locked: lock.packages[`node_modules/${name}`]?.version }).toEqual({ name, locked: version });
        }
        expect(lock.packages[""]?.dependencies).toEqual(pkg.dependencies);
    });
});

test("the lock's root entry mirrors package.json's engines (npm install would rewrite it otherwise)", () => {
    expect(lock.packages[""]).toMatchObject({ engines: pkg.engines });
});
