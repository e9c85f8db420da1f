/**
 * `npm run test:e2e` — end-to-end test on a real Azure subscription with the Pulumi Automation API.
 *
 *  1. creates a throwaway stack `e2e-<timestamp>` of this project (workDir = repository root) with the dev stack's
 *     configuration and a unique `namePrefix` (so every Azure name is new);
 *  2. `up`;
 *  3. runs `pachctl version` on the ingress VM with `az vm run-command invoke`, pointed at pachd's internal load
 *     balancer address (the `pachdGrpcAddress` output), and checks that pachd answers with the expected version;
 *  4. `preview` with `expectNoChanges: true` (the program is idempotent: a second run changes nothing);
 *  5. always (finally): `destroy` and `stack rm`.
 *
 * Prerequisites, else it prints "skipping: ..." and exits 0: the Pulumi CLI (`pulumi version`), the Azure CLI, and
 * Azure credentials — ARM_CLIENT_ID + ARM_TENANT_ID + ARM_SUBSCRIPTION_ID with OIDC (ARM_USE_OIDC=true in GitHub
 * Actions) or a working `az account show`. The state backend is whatever `pulumi login` / PULUMI_BACKEND_URL says
 * (PULUMI_ORG prefixes the stack name for Pulumi Cloud; PULUMI_SECRETS_PROVIDER sets the secrets provider).
 *
 * Optional: E2E_API_AUTHORIZED_CIDRS (comma-separated) is added to aksAuthorizedIpRanges so this machine can reach the
 * AKS API server; by default the machine's public IP (looked up once) is added.
 */
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";

const ROOT = path.resolve(__dirname, "../..");
const PROJECT = "pachyderm-azure";

function sh(cmd: string, args: string[], timeoutMs = 60_000): { ok: boolean; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs });
    return { ok: r.status === 0, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
}

/** Why the test cannot run here, or undefined when it can. */
function missingPrerequisite(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (!sh("pulumi", ["version"]).ok) return "the Pulumi CLI is not installed (`pulumi version` failed)";
    if (!sh("az", ["version"]).ok) return "the Azure CLI is not installed (needed for `az vm run-command invoke`)";
    const arm = Boolean(env.ARM_CLIENT_ID && env.ARM_TENANT_ID && env.ARM_SUBSCRIPTION_ID);
    const oidc = env.ARM_USE_OIDC === "true" || Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL) || Boolean(env.ARM_OIDC_TOKEN);
    if (arm && oidc) return undefined;
    if (sh("az", ["account", "show", "-o", "none"]).ok) return undefined;
    return "no Azure credentials (set ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID with OIDC, or `az login`)";
}

/** `e2e-20250101t120000`: sortable, unique per second, valid as a stack name. */
export function e2eStackName(now = new Date()): string {
    return `e2e-${now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").toLowerCase()}`;
}

/** 3-10 lowercase letters/digits starting with a letter (the namePrefix rule), unique per run: `e2e` + 7 base-36 chars. */
export function e2eNamePrefix(now = new Date()): string {
    return `e2e${Math.floor(now.getTime() / 1000)
        .toString(36)
        .slice(-7)}`.slice(0, 10);
}

/** The dev stack's configuration as an Automation API ConfigMap, with the e2e overrides. */
export function e2eConfig(namePrefix: string, extraApiCidrs: string[]): ConfigMap {
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config?: Record<string, unknown> };
    const out: ConfigMap = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            // Ciphertext is bound to the dev stack's key: it cannot be copied. Optional secrets keep their default.
            console.warn(`e2e: not copying secret config ${key} from dev`);
            continue;
        }
        out[key] = { value: typeof value === "string" ? value : JSON.stringify(value) };
    }
    out[`${PROJECT}:namePrefix`] = { value: namePrefix };
    out[`${PROJECT}:environment`] = { value: "dev" };
    if (extraApiCidrs.length > 0) {
        const current = JSON.parse(out[`${PROJECT}:aksAuthorizedIpRanges`]?.value ?? "[]") as string[];
        out[`${PROJECT}:aksAuthorizedIpRanges`] = { value: JSON.stringify([...new Set([...current, ...extraApiCidrs])]) };
    }
    return out;
}

async function apiCidrs(): Promise<string[]> {
    if (process.env.E2E_API_AUTHORIZED_CIDRS)
        return process.env.E2E_API_AUTHORIZED_CIDRS.split(",")
            .map((s) => s.trim())
            .filter(Boolean);
    try {
        const ip = (await (await fetch("https://api.ipify.org", { signal: AbortSignal.timeout(10_000) })).text()).trim();
        return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? [`${ip}/32`] : [];
    } catch {
        console.warn("e2e: could not find this machine's public IP; set E2E_API_AUTHORIZED_CIDRS if the API server is unreachable");
        return [];
    }
}

/**
 * In GitHub Actions the Azure CLI's token from azure/login cannot be refreshed once the job's first OIDC token
 * expired, and an `up` lasts longer than that: log the CLI in again with a fresh federated token before using it.
 */
async function refreshAzLogin(): Promise<void> {
    const {
        ACTIONS_ID_TOKEN_REQUEST_URL: url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer,
        ARM_CLIENT_ID,
        ARM_TENANT_ID,
        ARM_SUBSCRIPTION_ID,
    } = process.env;
    if (!url || !bearer || !ARM_CLIENT_ID || !ARM_TENANT_ID) return;
    const res = await fetch(`${url}&audience=${encodeURIComponent("api://AzureADTokenExchange")}`, {
        headers: { Authorization: `bearer ${bearer}` },
    });
    const token = ((await res.json()) as { value?: string }).value;
    if (!token) throw new Error("could not get a GitHub OIDC token to refresh the Azure CLI login");
    const login = sh("az", [
        "login",
        "--service-principal",
        "-u",
        ARM_CLIENT_ID,
        "-t",
        ARM_TENANT_ID,
        "--federated-token",
        token,
        "-o",
        "none",
    ]);
    if (!login.ok) throw new Error(`az login failed: ${login.stderr}`);
    if (ARM_SUBSCRIPTION_ID) sh("az", ["account", "set", "-s", ARM_SUBSCRIPTION_ID]);
}

/** The ingress VM of the stack: the one VM of the resource group whose name says "ingress". */
function ingressVmName(resourceGroup: string): string {
    const r = sh("az", ["vm", "list", "-g", resourceGroup, "--query", "[].name", "-o", "json"]);
    if (!r.ok) throw new Error(`az vm list failed: ${r.stderr}`);
    const names = (JSON.parse(r.stdout) as string[]).filter((n) => n.includes("ingress"));
    const [name, ...others] = names;
    if (name === undefined || others.length > 0)
        throw new Error(`expected one ingress VM in ${resourceGroup}, found ${JSON.stringify(names)}`);
    return name;
}

/** `pachctl version` on the ingress VM against pachd's internal load balancer; returns the pachd version line. */
function checkPachdFromIngress(resourceGroup: string, vm: string, grpcAddress: string, expectedVersion: string): string {
    if (!/^grpc:\/\/[\d.]+:\d+$/.test(grpcAddress)) throw new Error(`unexpected pachdGrpcAddress ${grpcAddress}`);
    const script = `set -eu; PACHD_ADDRESS='${grpcAddress}' timeout 120 pachctl version`;
    const r = sh(
        "az",
        [
            "vm",
            "run-command",
            "invoke",
            "-g",
            resourceGroup,
            "-n",
            vm,
            "--command-id",
            "RunShellScript",
            "--scripts",
            script,
            "--query",
            "value[0].message",
            "-o",
            "tsv",
        ],
        15 * 60_000,
    );
    if (!r.ok) throw new Error(`az vm run-command failed: ${r.stderr}`);
    const line = r.stdout.split("\n").find((l) => /^\s*pachd\s/.test(l));
    if (!line) throw new Error(`pachctl version did not reach pachd through ${grpcAddress}:\n${r.stdout}`);
    if (!line.includes(expectedVersion)) throw new Error(`pachd reports "${line.trim()}", expected version ${expectedVersion}`);
    return line.trim();
}

async function main(): Promise<number> {
    const missing = missingPrerequisite();
    if (missing) {
        console.log(`skipping: ${missing}`);
        return 0;
    }
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const now = new Date();
    const shortName = e2eStackName(now);
    const stackName = process.env.PULUMI_ORG && !process.env.PULUMI_BACKEND_URL ? `${process.env.PULUMI_ORG}/${shortName}` : shortName;
    const onOutput = (s: string) => process.stdout.write(s);
    console.log(`e2e: stack ${stackName}`);

    const stack: Stack = await LocalWorkspace.createOrSelectStack(
        { stackName, workDir: ROOT },
        process.env.PULUMI_SECRETS_PROVIDER ? { secretsProvider: process.env.PULUMI_SECRETS_PROVIDER } : {},
    );
    let failed = false;
    try {
        await stack.setAllConfig(e2eConfig(e2eNamePrefix(now), await apiCidrs()));
        const up = await stack.up({ onOutput, color: "never" });
        const out = (k: string) => up.outputs[k]?.value as string;
        console.log(`e2e: up done (${JSON.stringify(up.summary.resourceChanges)})`);

        await refreshAzLogin();
        const vm = ingressVmName(out("resourceGroupName"));
        const pachd = checkPachdFromIngress(out("resourceGroupName"), vm, out("pachdGrpcAddress"), out("pachydermVersion"));
        console.log(`e2e: ingress VM ${vm} reaches pachd through the internal LB: ${pachd}`);

        const preview = await stack.preview({ expectNoChanges: true, color: "never", onOutput });
        const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
        if (changes.length > 0) throw new Error(`second preview is not empty: ${JSON.stringify(changes)}`);
        console.log("e2e: second preview shows no changes");
    } catch (e) {
        failed = true;
        console.error(`e2e: FAILED: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
        try {
            await stack.destroy({ onOutput, color: "never" });
            await stack.workspace.removeStack(stackName);
            console.log(`e2e: stack ${stackName} destroyed and removed`);
        } catch (e) {
            failed = true;
            console.error(
                `e2e: CLEAN-UP FAILED, resources of ${stackName} may remain (resource group rg-${e2eNamePrefix(now)}-*): ${e instanceof Error ? e.message : String(e)}`,
            );
        }
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            console.error(`e2e: ${e instanceof Error ? e.stack : String(e)}`);
            process.exit(1);
        },
    );
}
