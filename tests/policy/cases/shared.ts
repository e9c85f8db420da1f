/** What every area of the policy fixture table shares: the case shapes and the common compliant cases. */
import type { PolicyConfigInput } from "../../helpers/policyEngine";
import { Env, Stack } from "../fixtures";

export interface Case {
    title: string;
    env?: Env;
    config?: PolicyConfigInput;
    mutate?: (s: Stack) => void;
}

export interface RuleCases {
    compliant: Case[];
    violating: Case[];
}

export const golden: Case[] = [
    { title: "golden prod stack", env: "prod" },
    { title: "golden dev stack", env: "dev" },
];
export const goldenProd: Case[] = [{ title: "golden prod stack", env: "prod" }];
export const sharedKey: PolicyConfigInput = { all: { storageAuthMode: "sharedKey" } };
