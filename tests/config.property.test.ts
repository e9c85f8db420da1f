import * as fc from "fast-check";
import { CONFIG_KEYS } from "../lib/config";
import { AKS_RESERVED, VNET_FORBIDDEN } from "../lib/config/network";
import {
    base,
    boundaryValues,
    generated,
    hostile,
    INJECTABLE,
    nearMiss,
    octet,
    packAccepted,
    prodBase,
    project,
    refusedOrProtected,
    rejects,
    RUNS,
    runProgram,
} from "./helpers/configCases";

/**
 * Property-based hostile input: malformed CIDRs, overlaps, out-of-range and mistyped values,
 * unknown keys, names that break Azure's rules, and shell/YAML injection in every value that
 * reaches cloud-init, tags or Kubernetes objects. Each must be rejected by one ConfigValidationError
 * that names the key, without a stack trace in the message.
 */
afterAll(() => {
    console.log(
        `config property tests: ${generated.length} generated cases, each refused with a message naming the key (or, for single prod overrides, accepted with prod protected)`,
    );
    expect(generated.length).toBeGreaterThanOrEqual(2000);
});

describe("injection, malformed CIDRs and overlapping subnets (fast-check)", () => {
    it("rejects shell and YAML injection in every value that reaches cloud-init, tags or Kubernetes", () => {
        fc.assert(
            fc.property(fc.constantFrom(...INJECTABLE), hostile, (key, value) => rejects({ [key]: value }, key)),
            { numRuns: RUNS * 2 },
        );
    });

    it("rejects injection inside array values (authorized ranges, admin CIDRs, Cosmos containers)", () => {
        fc.assert(
            fc.property(fc.constantFrom("aksAuthorizedIpRanges", "ingressAdminSourceCidrs", "cosmosContainers"), hostile, (key, value) =>
                rejects({ [key]: JSON.stringify([value]) }, key),
            ),
            { numRuns: RUNS },
        );
    });

    it("rejects malformed CIDRs", () => {
        const malformed = fc.oneof(
            fc
                .tuple(fc.integer({ min: 256, max: 999 }), octet, octet, octet, fc.integer({ min: 8, max: 30 }))
                .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
            fc.tuple(octet, octet, octet, octet, fc.integer({ min: 33, max: 99 })).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
            fc.tuple(octet, octet, octet).map(([a, b, c]) => `${a}.${b}.${c}/24`),
            fc.tuple(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 16, max: 24 })).map(([d, p]) => `10.40.0.${d}/${p}`),
            fc.string({ maxLength: 20 }).filter((s) => !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)),
        );
        const cidrKeys = [
            "vnetAddressSpace",
            "subnetAks",
            "subnetIngress",
            "subnetData",
            "subnetPrivateEndpoints",
            "subnetPostgres",
            "aksServiceCidr",
            "aksPodCidr",
        ];
        fc.assert(
            fc.property(fc.constantFrom(...cidrKeys), malformed, (key, value) => rejects({ [key]: value }, key)),
            { numRuns: RUNS },
        );
    });

    it("rejects subnets that overlap another subnet", () => {
        // Any /26-/28 carved from the AKS subnet (10.40.0.0/20) overlaps it.
        const inside = fc
            .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(26, 27, 28))
            .map(([third, quarter, p]) => `10.40.${third}.${quarter * 64}/${p}`);
        fc.assert(
            fc.property(fc.constantFrom("subnetIngress", "subnetData", "subnetPrivateEndpoints", "subnetPostgres"), inside, (key, value) =>
                rejects({ [key]: value }, key),
            ),
            { numRuns: RUNS },
        );
    });
});

describe("malformed numbers, unknown keys and bad names (fast-check)", () => {
    it("rejects out-of-range and mistyped numbers and booleans", () => {
        const intKeys = {
            aksSystemNodeCount: [1, 100],
            aksMaxPods: [30, 250],
            storageBlobSoftDeleteDays: [1, 365],
            postgresBackupRetentionDays: [14, 35],
            ingressIdleTimeoutMinutes: [4, 100],
            aksMaintenanceStartHour: [0, 23],
            etcdDiskSizeGb: [16, 4096],
        } as const;
        const bad = fc
            .constantFrom(...(Object.keys(intKeys) as (keyof typeof intKeys)[]))
            .chain((key) =>
                fc.tuple(
                    fc.constant(key),
                    fc.oneof(
                        fc.integer({ min: -100000, max: intKeys[key][0] - 1 }).map(String),
                        fc.integer({ min: intKeys[key][1] + 1, max: 10000000 }).map(String),
                        fc.double({ min: 0.1, max: 99.9, noInteger: true }).map(String),
                        fc.constantFrom("three", "", "1e3", "0x10", "true", "[]", "{}"),
                    ),
                ),
            );
        fc.assert(
            fc.property(bad, ([key, value]) => rejects({ [key]: value }, key)),
            { numRuns: RUNS },
        );
        fc.assert(
            fc.property(
                fc.constantFrom("aksPrivateCluster", "aksEncryptionAtHost", "pachydermConsole", "aksDisableLocalAccounts"),
                fc.constantFrom("yes", "no", "1", "0", "TRUE", "", "on"),
                (key, value) => rejects({ [key]: value }, key),
            ),
            { numRuns: 50 },
        );
    });

    it("rejects unknown keys", () => {
        const unknown = fc.stringMatching(/^[a-z][A-Za-z0-9]{2,20}$/).filter((k) => !(CONFIG_KEYS as string[]).includes(k));
        fc.assert(
            fc.property(unknown, fc.string({ maxLength: 10 }), (key, value) => rejects({ [key]: value }, key)),
            { numRuns: RUNS },
        );
    });

    it("rejects names that break Azure's naming rules", () => {
        const badPrefix = fc.oneof(
            fc.stringMatching(/^[A-Z][A-Za-z0-9]{2,9}$/),
            fc.stringMatching(/^[0-9][a-z0-9]{2,9}$/),
            fc.stringMatching(/^[a-z][a-z0-9]{10,30}$/),
            fc.stringMatching(/^[a-z][a-z0-9]{0,1}$/),
            fc.stringMatching(/^[a-z]{2,4}[-_.][a-z]{1,4}$/),
        );
        fc.assert(
            fc.property(badPrefix, (v) => rejects({ namePrefix: v }, "namePrefix")),
            { numRuns: RUNS },
        );
        const badContainer = fc.oneof(
            fc.stringMatching(/^[a-z]{2,10}--[a-z]{1,10}$/),
            fc.stringMatching(/^[a-z]{1,5}[A-Z][a-z]{1,5}$/),
            fc.stringMatching(/^-[a-z]{3,10}$/),
            fc.stringMatching(/^[a-z]{64,70}$/),
        );
        fc.assert(
            fc.property(badContainer, (v) => rejects({ storageContainerName: v }, "storageContainerName")),
            { numRuns: RUNS },
        );
    });
});

describe("near misses, nulls and reserved ranges (fast-check)", () => {
    it("refuses near-miss keys, naming them", () => {
        const key = fc
            .constantFrom(...CONFIG_KEYS)
            .chain((k) => nearMiss(k))
            .filter((k) => !(CONFIG_KEYS as string[]).includes(k));
        fc.assert(
            fc.property(key, fc.constantFrom("prod", "1", "true", "[]"), (k, value) => rejects({ [k]: value }, k)),
            { numRuns: RUNS },
        );
    });

    it("refuses near-miss namespaces of the project on prod, whatever the key: prod never silently loses a setting", () => {
        const ns = nearMiss(project);
        fc.assert(
            fc.property(ns, fc.constantFrom(...CONFIG_KEYS), (n, k) => rejects({ [`${n}:${k}`]: "prod" }, `${n}:${k}`, prodBase, "prod")),
            { numRuns: RUNS },
        );
    });

    it("refuses null and empty values of every key that needs a value", () => {
        const optional = new Set([
            "cosmosSecondaryLocation",
            "pachydermOidcIssuer",
            "pachydermOidcClientId",
            "pachydermOidcClientSecret",
            "aksAdminGroupObjectIds",
            "ingressAdminSourceCidrs",
            "ingressShutdownTime",
        ]);
        const keys = CONFIG_KEYS.filter((k) => !optional.has(k));
        fc.assert(
            fc.property(fc.constantFrom(...keys), fc.constantFrom(null, "null", "~", ""), (k, v) => rejects({ [k]: v }, k)),
            { numRuns: RUNS },
        );
    });

    it("refuses service and pod CIDRs inside AKS-reserved ranges, and VNets in forbidden space", () => {
        const inside = (ranges: readonly { cidr: { text: string } }[]) =>
            fc.tuple(fc.constantFrom(...ranges.map((r) => r.cidr.text)), fc.integer({ min: 0, max: 8 })).map(([text, extra]) => {
                const [addr, p] = text.split("/");
                return `${addr}/${Math.min(32, Number(p) + extra)}`;
            });
        fc.assert(
            fc.property(fc.constantFrom("aksServiceCidr", "aksPodCidr"), inside(AKS_RESERVED), (k, v) => rejects({ [k]: v }, k)),
            { numRuns: RUNS },
        );
        const vnet = inside(VNET_FORBIDDEN).filter((v) => Number(v.split("/")[1]) <= 24);
        fc.assert(
            fc.property(vnet, (v) => rejects({ vnetAddressSpace: v }, "vnetAddressSpace")),
            { numRuns: RUNS / 2 },
        );
    });
});

describe("split internet and single prod overrides (fast-check)", () => {
    it("refuses source sets that together cover a /8 or more, however split, in dev and prod", () => {
        // A block of 2^(32-p) addresses split into 2^s pieces: together at least a /8.
        const split = fc
            .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 11, max: 99 }))
            .map(([p, s, first]) => {
                const size = 2 ** (32 - p);
                const start = ((first * 2 ** 24) % 2 ** 32) - (((first * 2 ** 24) % 2 ** 32) % size);
                const piece = size / 2 ** s;
                return Array.from({ length: 2 ** s }, (_, i) => {
                    const n = start + i * piece;
                    return `${[24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join(".")}/${p + s}`;
                });
            });
        fc.assert(
            fc.property(
                fc.constantFrom("aksAuthorizedIpRanges", "ingressAdminSourceCidrs"),
                split,
                fc.constantFrom("dev", "prod"),
                (k, set, stack) => rejects({ [k]: JSON.stringify(set) }, k, stack === "prod" ? prodBase : base, stack),
            ),
            { numRuns: RUNS },
        );
    });

    it("any single override of a prod stack is refused, or leaves prod protected", () => {
        const value = fc.oneof(
            fc.constantFrom("", "null", "0", "false", "true", "[]", "{}", "dev", "inCluster", "sharedKey", "Free", "Standard_LRS", "1"),
            fc.string({ maxLength: 12 }),
        );
        fc.assert(
            fc.property(fc.constantFrom(...CONFIG_KEYS), value, (k, v) => refusedOrProtected({ [k]: v }, prodBase, "prod")),
            { numRuns: RUNS * 2 },
        );
    });
});

describe("boundary values of every key", () => {
    it("each, on dev and on prod, is refused cleanly or accepted with prod still protected", () => {
        const values = boundaryValues();
        expect(values.length).toBeGreaterThan(100);
        const bad = values.flatMap(([k, v]) =>
            ["dev", "prod"]
                .filter((stack) => !refusedOrProtected({ [k]: v }, stack === "prod" ? prodBase : base, stack))
                .map((stack) => `${stack} ${k}=${v}`),
        );
        expect(bad).toEqual([]);
    });
});

describe("no bad value is refused after a resource has been declared (issue 13)", () => {
    // Runs after every generator above (Jest runs a file's tests in order), over all they produced.
    it("every refused case is refused by the program before it declares a resource (a spread sample: refusals are uniform)", () => {
        const refused = generated.filter((g) => !g.accepted).map((g) => g.run);
        expect(refused.length).toBeGreaterThan(1500);
        const sample = refused.filter((_, i) => i % Math.ceil(refused.length / 60) === 0);
        const outcomes = runProgram(sample);
        const late = outcomes.flatMap((o, i) => (o.kind === "refused-up-front" || o.kind === "cli-refused" ? [] : [{ run: sample[i], o }]));
        expect(late).toEqual([]);
    }, 600_000);

    it("every accepted case plans through the whole program without an error", () => {
        const accepted = generated.filter((g) => g.accepted).map((g) => g.run);
        expect(accepted.length).toBeGreaterThan(60);
        const runs = packAccepted(accepted);
        const outcomes = runProgram(runs);
        const failures = outcomes.flatMap((o, i) => (o.kind === "planned" ? [] : [{ run: runs[i], o }]));
        console.log(`program runs: ${accepted.length} accepted cases, packed in ${runs.length} runs of index.ts`);
        expect(failures).toEqual([]);
    }, 600_000);
});
