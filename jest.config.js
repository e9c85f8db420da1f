/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/tests", "<rootDir>/examples"],
    testMatch: ["**/*.test.ts"],
    // Type checking is done once by `tsc --noEmit`; ts-jest only transpiles, which keeps the suite fast.
    transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
    globalSetup: "<rootDir>/tests/globalSetup.ts",
    testTimeout: 60000,
    maxWorkers: 2,
};
