import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { REPO_ROOT } from "../planner";
import { loadStackConfig, StackConfigError } from "../planner/stackConfig";

/**
 * The offline planner loads stack config by the Pulumi CLI's rules (planner/stackConfig.ts cites them) and
 * refuses what the CLI refuses, with the CLI's messages. Each case is a small project in a temp directory.
 */
function project(config: Record<string, unknown>, stackConfig: string, stack = "dev"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfgcli-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "proj", runtime: "nodejs", config }));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackConfig);
    return dir;
}
const load = (dir: string, stack = "dev") => loadStackConfig(stack, dir);
const refusal = (dir: string, stack = "dev"): string => {
    try {
        load(dir, stack);
    } catch (e) {
        expect(e).toBeInstanceOf(StackConfigError);
        return (e as Error).message;
    }
    throw new Error("expected the CLI's rules to refuse this configuration");
};

describe("the Pulumi CLI's rules for stack config: secrets and missing values", () => {
    it("refuses a secret key whose value is its default: the CLI applies `secret` to defaults too (the old OIDC client secret)", () => {
        const dir = project({ clientSecret: { type: "string", secret: true, default: "" } }, "config: {}\n");
        expect(refusal(dir)).toMatch(/Stack 'dev' with configuration key 'clientSecret' must be encrypted as it's secret/);
    });

    it("refuses a plain-text value for a secret key, and accepts a secure one (kept secret)", () => {
        const decl = { clientSecret: { type: "string", secret: true } };
        expect(refusal(project(decl, "config:\n  proj:clientSecret: hunter2\n"))).toBe(
            "Pulumi.dev.yaml:2:3: Stack 'dev' with configuration key 'clientSecret' must be encrypted as it's secret",
        );
        const ok = load(project(decl, "config:\n  proj:clientSecret:\n    secure: v1:abc\n"));
        expect(ok.secretKeys).toEqual(["proj:clientSecret"]);
    });

    it('would have refused every committed stack with the old declaration of pachydermOidcClientSecret (secret: true, default "")', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfgcli-"));
        const projectYaml = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
        projectYaml.config.pachydermOidcClientSecret.secret = true;
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(projectYaml));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        expect(refusal(dir)).toMatch(/configuration key 'pachydermOidcClientSecret' must be encrypted as it's secret/);
    });
    it("reports every declared key without default or value as missing, at once", () => {
        const dir = project({ a: { type: "string" }, b: { type: "integer" }, c: { type: "string", default: "x" } }, "config: {}\n");
        expect(refusal(dir)).toBe("Stack 'dev' is missing configuration values 'a' and 'b'");
    });
});

describe("the Pulumi CLI's rules for stack config: types and defaults", () => {
    it("applies defaults as the engine passes them: strings, arrays and objects as JSON", () => {
        const dir = project(
            {
                n: { type: "integer", default: 3 },
                l: { type: "array", items: { type: "string" }, default: ["1"] },
                o: { type: "object", default: {} },
            },
            "config: {}\n",
        );
        expect(load(dir).config).toEqual({ "proj:n": "3", "proj:l": '["1"]', "proj:o": "{}" });
    });

    it.each([
        ["integer", "three", "integer"],
        ["boolean", "yes", "boolean"],
        ["string", "[1, 2]", "string"],
        ["array", "a,b", "array<string>"],
    ])("refuses a value of the wrong type (%s given %s)", (type, value, typeName) => {
        const decl = { k: type === "array" ? { type, items: { type: "string" } } : { type } };
        expect(refusal(project(decl, `config:\n  proj:k: ${value}\n`))).toMatch(
            new RegExp(
                `Pulumi\\.dev\\.yaml:2:3: Stack 'dev' with configuration key 'k' must be of type '${typeName.replace(/[<>]/g, "\\$&")}'`,
            ),
        );
    });

    it("refuses YAML null for a typed key (it is the object value null)", () => {
        expect(refusal(project({ namePrefix: { type: "string", default: "lab" } }, "config:\n  proj:namePrefix:\n"))).toMatch(
            /key 'namePrefix' must be of type 'string'/,
        );
    });

    it("accepts integers and booleans written as YAML scalars or strings", () => {
        const dir = project({ n: { type: "integer" }, b: { type: "boolean" } }, 'config:\n  proj:n: "12"\n  proj:b: true\n');
        expect(load(dir).config).toEqual({ "proj:n": "12", "proj:b": "true" });
    });

    it("refuses a stack key without a namespace", () => {
        expect(refusal(project({}, "config:\n  environment: prod\n"))).toMatch(
            /could not parse environment as a configuration key \(configuration keys should be of the form `<namespace>:<name>`\)/,
        );
    });
});

describe("the Pulumi CLI's rules for Pulumi.yaml, YAML errors and the committed stacks", () => {
    it.each([
        [{ k: { type: "string", default: "a", value: "b" } }, "project config 'k' cannot have both a 'default' and 'value' attribute"],
        [
            { k: { type: "array", default: [] } },
            "The configuration key 'k' declares an array but does not specify the underlying type via the 'items' attribute",
        ],
        [
            { k: { type: "integer", default: "x" } },
            "The default value specified for configuration key 'k' is not of the expected type 'integer'",
        ],
        [
            { "aws:region": { type: "string", value: "x" } },
            "Configuration key 'aws:region' is not namespaced by the project and should not define a type",
        ],
        [
            { "aws:region": { default: "x" } },
            "Configuration key 'aws:region' is not namespaced by the project and should not define a default value",
        ],
        [{ "aws:region": { description: "x" } }, "Configuration key 'aws:region' is namespaced and must provide an attribute 'value'"],
    ])("refuses a Pulumi.yaml the CLI refuses: %p", (config, message) => {
        expect(refusal(project(config, "config: {}\n"))).toContain(message);
    });

    it("names the file, line and column of a YAML error", () => {
        expect(refusal(project({}, "config:\n  proj:a: [1, 2\n  proj:b: x\n"))).toMatch(/^Pulumi\.dev\.yaml:\d+:\d+: /);
        expect(refusal(project({}, "config:\n  proj:a: 1\n  proj:a: 2\n"))).toMatch(/^Pulumi\.dev\.yaml:3:3: .*unique/i);
    });

    it("loads every committed stack of this repository", () => {
        for (const stack of ["dev", "staging", "prod"]) expect(load(REPO_ROOT, stack).project).toBe("pachyderm-azure");
    });
});
