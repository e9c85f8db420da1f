import * as fs from "fs";
import * as path from "path";
import { isStatefulType, normalizeType, replacementRules, RESOURCE_TYPES, ResourceTypeInfo, resourceType } from "../lib/resourceTypes";
import { loadPlan, STACKS } from "./helpers/plans";

/** The registry of resource types (lib/resourceTypes.ts) against reality: the pinned SDK, the components and the stacks' plans. */
const ROOT = path.resolve(__dirname, "..");
const SDK = path.join(ROOT, "node_modules/@pulumi/azure-native");
const entries = Object.entries(RESOURCE_TYPES) as [string, ResourceTypeInfo][];
const azureEntries = entries.filter(([t]) => t.startsWith("azure-native:"));

/** The SDK's class of a token (`azure-native:storage:BlobContainer` -> storage/blobContainer.{js,d.ts}). */
function sdkFiles(token: string): { js: string; dts: string; cls: string } {
    const [, module = "", cls = ""] = token.split(":");
    const base = path.join(SDK, module, cls.charAt(0).toLowerCase() + cls.slice(1));
    return { js: `${base}.js`, dts: `${base}.d.ts`, cls };
}

/** The top-level input names of a class's `<Class>Args` interface. */
function sdkInputs(token: string): string[] {
    const { dts, cls } = sdkFiles(token);
    const text = fs.readFileSync(dts, "utf8");
    const start = text.indexOf(`export interface ${cls}Args {`);
    if (start < 0) throw new Error(`no ${cls}Args in ${dts}`);
    const body = text.slice(start, text.indexOf("\n}", start));
    return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1] ?? "");
}

describe("the registry against the azure-native SDK", () => {
    it.each(azureEntries.map(([t]) => t))("%s is a resource of the pinned SDK, under that token", (token) => {
        expect(fs.readFileSync(sdkFiles(token).js, "utf8")).toContain(`__pulumiType = '${token}'`);
    });

    it.each(azureEntries.filter(([, i]) => i.nameField).map(([t, i]) => [t, i.nameField]))(
        "%s is named by its input %s",
        (token, field) => {
            expect(sdkInputs(token)).toContain(field);
        },
    );

    it("every replacement rule names an input of its type", () => {
        const unknown = azureEntries.flatMap(([token, info]) =>
            (info.replaceOn ?? [])
                .map((r) => `${token} ${r.path}`)
                .filter((rule) => !sdkInputs(token).includes(rule.split(" ")[1]?.split(".")[0] ?? "")),
        );
        expect(azureEntries.filter(([, i]) => i.replaceOn).length).toBeGreaterThan(8);
        expect(unknown).toEqual([]);
    });

    it("every azure-native class the components construct is in the registry", () => {
        const used = new Set<string>();
        const walk = (dir: string): string[] =>
            fs
                .readdirSync(dir, { withFileTypes: true })
                .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
        for (const file of walk(path.join(ROOT, "components")).filter((f) => f.endsWith(".ts"))) {
            const text = fs.readFileSync(file, "utf8");
            const modules = new Map([...text.matchAll(/import \* as (\w+) from "@pulumi\/azure-native\/(\w+)"/g)].map((m) => [m[1], m[2]]));
            for (const m of text.matchAll(/new (\w+)\.([A-Z]\w+)\(/g)) {
                const module = modules.get(m[1] ?? "");
                if (module) used.add(`azure-native:${module}:${m[2]}`);
            }
        }
        expect(used.size).toBeGreaterThan(30);
        expect([...used].filter((t) => !(t in RESOURCE_TYPES))).toEqual([]);
    });
});

describe("the registry against the stacks' plans", () => {
    const plans = STACKS.map(loadPlan);
    const declared = new Set(plans.flatMap((p) => p.resources.filter((r) => !r.component).map((r) => r.type)));

    it("knows every type the stacks declare (azure-native ones by their own entry)", () => {
        expect([...declared].filter((t) => resourceType(t) === undefined)).toEqual([]);
        expect([...declared].filter((t) => t.startsWith("azure-native:") && !(t in RESOURCE_TYPES))).toEqual([]);
    });

    it("its stateful types are exactly the types of the data-loss guard's pinned URNs", () => {
        const pinned = STACKS.flatMap(
            (s) => JSON.parse(fs.readFileSync(path.join(__dirname, "stateful", `${s}.json`), "utf8")) as string[],
        );
        // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
        const pinnedTypes = new Set(pinned.map((urn) => urn.split("::")[2]?.split("$").pop()));
        const statefulTypes = entries.filter(([, i]) => i.stateful).map(([t]) => t);
        expect([...pinnedTypes].sort()).toEqual(statefulTypes.sort());
    });
});

describe("normalizeType", () => {
    it("folds explicit API-version modules and the former documentdb module into the SDK's token", () => {
        expect(normalizeType("azure-native:dbforpostgresql/v20240801:Server")).toBe("azure-native:dbforpostgresql:Server");
        expect(normalizeType("azure-native:documentdb:SqlResourceSqlContainer")).toBe("azure-native:cosmosdb:SqlResourceSqlContainer");
        expect(normalizeType("azure-native:documentdb/v20240815:DatabaseAccount")).toBe("azure-native:cosmosdb:DatabaseAccount");
        expect(normalizeType("kubernetes:core/v1:PersistentVolume")).toBe("kubernetes:core/v1:PersistentVolume");
    });

    it("so every spelling of a stateful type holds data, and no other type does", () => {
        expect(isStatefulType("azure-native:documentdb:SqlResourceSqlContainer")).toBe(true);
        expect(isStatefulType("azure-native:cosmosdb/v20240815:SqlResourceSqlContainer")).toBe(true);
        expect(isStatefulType("azure-native:storage/v20240101:StorageAccount")).toBe(true);
        expect(isStatefulType("azure-native:network:VirtualNetwork")).toBe(false);
        expect(isStatefulType("kubernetes:core/v1:PersistentVolumeClaim")).toBe(false);
    });

    it("replacement rules: the common resource-group rule on every azure-native type, none elsewhere", () => {
        expect(replacementRules("azure-native:network:VirtualNetwork").map((r) => r.path)).toEqual(["resourceGroupName"]);
        expect(replacementRules("azure-native:compute/v20240301:Disk").map((r) => r.path)).toEqual([
            "resourceGroupName",
            "diskName",
            "location",
            "zones",
            "creationData",
        ]);
        expect(replacementRules("kubernetes:core/v1:PersistentVolume")).toEqual([]);
    });
});
