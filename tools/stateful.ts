/**
 * `npm run stateful:update`: plans every stack and rewrites tests/stateful/<stack>.json, the pinned
 * URNs of the resources that hold data. Run it only when a removal or rename is intended (and
 * reviewed: the diff of those files shows exactly which data-holding resource goes away).
 * Without --write it only checks and exits non-zero on a finding.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkStateful, statefulUrns } from "../planner/stateful";
import { listStacks, REPO_ROOT } from "../planner";
import { Plan } from "../planner/types";
import { planNodeArgs } from "./planCommand";

const write = process.argv.includes("--write");
const dir = path.join(REPO_ROOT, "tests", "stateful");
fs.mkdirSync(dir, { recursive: true });
let findings = 0;
for (const stack of listStacks()) {
    const tmp = path.join(os.tmpdir(), `plan-${stack}-${process.pid}.json`);
    // The same command as `npm run plan` (tools/planCommand.ts): plain Node with the fast loader.
    execFileSync(process.execPath, planNodeArgs(REPO_ROOT, ["--stack", stack, "--quiet", "--json", tmp]), {
        cwd: REPO_ROOT,
        stdio: ["ignore", "ignore", "inherit"],
    });
    const plan: Plan = JSON.parse(fs.readFileSync(tmp, "utf8"));
    fs.rmSync(tmp);
    const file = path.join(dir, `${stack}.json`);
    if (write) {
        fs.writeFileSync(file, JSON.stringify(statefulUrns(plan), null, 2) + "\n");
        console.log(`${stack}: ${statefulUrns(plan).length} stateful resources pinned in ${path.relative(REPO_ROOT, file)}`);
    } else {
        const pinned: string[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : [];
        for (const f of checkStateful(pinned, plan)) {
            console.error(`${stack}: ${f.message}`);
            findings++;
        }
    }
}
process.exit(findings ? 1 : 0);
