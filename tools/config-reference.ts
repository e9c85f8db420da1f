/**
 * `npx tsx tools/config-reference.ts [--write]`: renders the configuration reference of README.md
 * from Pulumi.yaml (the single source of keys, types, defaults and descriptions). Without --write
 * it prints the table; tests/docs.test.ts fails when README.md is out of date.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const README = path.resolve(__dirname, "..", "README.md");
const START = "<!-- config-reference:start -->";
const END = "<!-- config-reference:end -->";

/** A key's declaration in Pulumi.yaml (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options). */
interface ConfigDeclaration {
    type?: string;
    items?: { type?: string };
    default?: unknown;
    description?: unknown;
    secret?: boolean;
}

/** The config declarations of Pulumi.yaml, by key. */
export function configDeclarations(root = path.resolve(__dirname, "..")): Record<string, ConfigDeclaration> {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config?: Record<string, ConfigDeclaration> };
    return project.config ?? {};
}

export function renderConfigReference(root = path.resolve(__dirname, "..")): string {
    const rows = Object.entries(configDeclarations(root)).map(([key, d]) => {
        const type = d.type === "array" ? `array of ${d.items?.type}` : d.type;
        const def = d.default === undefined ? "(required)" : d.default === "" ? '`""`' : `\`${JSON.stringify(d.default)}\``;
        const desc = String(d.description).replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
        return `| \`${key}\`${d.secret ? " (secret)" : ""} | ${type} | ${def} | ${desc} |`;
    });
    return [START, "| key | type | default | description |", "|---|---|---|---|", ...rows, END].join("\n");
}

export function readmeWithReference(readme: string, table: string): string {
    const s = readme.indexOf(START);
    const e = readme.indexOf(END);
    if (s < 0 || e < 0) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
    return readme.slice(0, s) + table + readme.slice(e + END.length);
}

if (require.main === module) {
    const table = renderConfigReference();
    if (process.argv.includes("--write")) {
        fs.writeFileSync(README, readmeWithReference(fs.readFileSync(README, "utf8"), table));
        console.log("README.md configuration reference updated");
    } else {
        console.log(table);
    }
}
