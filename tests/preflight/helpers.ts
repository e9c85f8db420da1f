import * as fs from "fs";
import * as path from "path";
import { PlatformConfig } from "../../lib/config";
import { stackPlatformConfig } from "../../preflight";

/** The fake `az` (tests/preflight/fake-az/az) and its recorded responses. */
const FAKE_AZ_BIN = path.join(__dirname, "fake-az");
export const FIXTURES = path.join(__dirname, "fixtures");
export type Scenario = "healthy" | "deployed" | "warn" | "fail" | "logged-out";

/** FAKE_AZ_DIRS for a scenario: its own answers over the healthy subscription's. */
const fixtureDirs = (scenario: Scenario) => [...new Set([scenario, "healthy"])].map((s) => path.join(FIXTURES, s)).join(":");

/** The fake egress IP (fixtures/healthy ipify answer) is authorized; the stack files hold RFC 5737 placeholders. */
export const AUTHORIZED = ["20.61.0.0/16"];

/** Environment of a preflight run against the fake: azblob state on the fixtures' account, no real HOME. */
export function fakeEnv(scenario: Scenario, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        PATH: `${FAKE_AZ_BIN}:${process.env.PATH}`,
        HOME: home,
        FAKE_AZ_DIRS: fixtureDirs(scenario),
        PULUMI_BACKEND_URL: "azblob://state?storage_account=stpachlabstate",
        ...extra,
    };
}

export function allFixtureFiles(): string[] {
    return fs.readdirSync(FIXTURES).flatMap((dir) => fs.readdirSync(path.join(FIXTURES, dir)).map((f) => path.join(FIXTURES, dir, f)));
}

/** The day the tests run preflight on (the AKS support calendar depends on it): 1.36, the default, is supported. */
export const TODAY = new Date("2026-12-15T00:00:00Z");
export const TODAY_ARG = "2026-12-15";

/** A stack's parsed config on TODAY. */
export const stackConfig = (stack: string, overrides: Record<string, unknown> = {}): PlatformConfig =>
    stackPlatformConfig(stack, overrides, TODAY);
