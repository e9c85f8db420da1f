/**
 * Two projects: "unit" (everything offline, against the plans tests/globalSetup.ts writes) and "integration"
 * (tests/integration: real PostgreSQL + pgbouncer, etcd and three GlusterFS servers; root, Debian packages).
 * `npm test` runs both in one jest run; `npm run test:unit` / `npm run test:integration` run one.
 */
const shared = {
    testEnvironment: "node",
    testMatch: ["**/*.test.ts"],
    // Type checking is done once by `tsc --noEmit`; ts-jest only transpiles, which keeps the suite fast.
    transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
};

/** @type {import('jest').Config} */
module.exports = {
    projects: [
        {
            ...shared,
            displayName: "unit",
            roots: ["<rootDir>/tests", "<rootDir>/examples"],
            testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/integration/"],
            globalSetup: "<rootDir>/tests/globalSetup.ts",
        },
        { ...shared, displayName: "integration", roots: ["<rootDir>/tests/integration"] },
    ],
    // The integration tests start first, so that they run beside the unit tests rather than after them.
    testSequencer: "<rootDir>/tests/sequencer.cjs",
    testTimeout: 60000,
    // Three workers on the 2-core machine: the GlusterFS worker mostly waits on its servers, so a third keeps both
    // cores busy with unit tests (warm run measured: 184 s with 3 workers, 208 s with 2).
    maxWorkers: 3,
};
