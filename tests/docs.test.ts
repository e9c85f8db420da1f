import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { allPolicies, RULE_OF } from "../policy/rules";
import { README, readmeWithReference, renderConfigReference } from "../tools/config-reference";

const root = path.resolve(__dirname, "..");
const readme = fs.readFileSync(README, "utf8");

describe("README", () => {
    it("holds the configuration reference generated from Pulumi.yaml (npx tsx tools/config-reference.ts --write)", () => {
        expect(readmeWithReference(readme, renderConfigReference())).toBe(readme);
    });

    it("states the two set-up commands, and .ci/run runs exactly the test command", () => {
        expect(readme).toContain("npm ci && npm run plan -- --stack dev");
        expect(readme).toContain("npm ci && npm run check");
        const ci = fs.readFileSync(path.join(root, ".ci/run"), "utf8");
        expect(ci).toMatch(/^npm ci && npm run check$/m);
    });

    it("links only to docs that exist", () => {
        for (const [, link = ""] of readme.matchAll(/\]\(((?:docs|contracts|examples)\/[^)#]+)\)/g)) {
            expect({ link, exists: fs.existsSync(path.join(root, link)) }).toEqual({ link, exists: true });
        }
    });
});

describe("docs/policy.md, the reference of the security rules", () => {
    const policyMd = fs.readFileSync(path.join(root, "docs/policy.md"), "utf8");
    const start = policyMd.indexOf("\n## Rules\n");
    const rulesSection = policyMd.slice(start, policyMd.indexOf("\n## ", start + 1));
    /** Rows of the rule tables: | Rule | Policy | Level | Kind | Production | Public IDs | Check | */
    const rows = [...rulesSection.matchAll(/^\| (\S+) \| `([^`]+)` \| (\w+) \| \w+ \| \S+ \| ([^|]+) \| .* \|$/gm)].map(
        ([, rule, policy, level, ids]) => ({ rule, policy, level, ids: ids?.trim() }),
    );
    const documentedRules = new Set(rows.map((r) => r.rule));

    it("has one row per policy of the pack, with its rule, level and the public IDs its description cites", () => {
        expect(rows.map((r) => r.policy).sort()).toEqual(Object.keys(RULE_OF).sort());
        for (const p of allPolicies) {
            const ids = /^(?:Rule \d+|Cross-cutting|ARM) \((.*?)\)[,:]/.exec(p.description)?.[1];
            expect(rows.find((r) => r.policy === p.name)).toEqual({
                rule: RULE_OF[p.name],
                policy: p.name,
                level: p.enforcementLevel,
                ids,
            });
        }
    });

    it("has every rule a comment in the repository cites", () => {
        const citations = repositoryComments().flatMap(({ file, text }) => citedRules(text).map((rule) => ({ file, rule })));
        expect(citations).toContainEqual({ file: "policy/rules/kubernetes.ts", rule: "37" });
        expect(citations.filter((c) => !documentedRules.has(c.rule))).toEqual([]);
    });
});

const SKIPPED_DIRS = new Set(["node_modules", ".git", ".cache", "dist", "out", "coverage", ".pulumi"]);

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : sourceFiles(full);
        return /\.(ts|js|cjs|mjs|ya?ml|sh)$/.test(e.name) ? [full] : [];
    });
}

/** Every comment of the repository's code (TypeScript/JavaScript comments as the compiler sees them; `#` lines elsewhere). */
function repositoryComments(): { file: string; text: string }[] {
    return sourceFiles(root).flatMap((full) => {
        const file = path.relative(root, full);
        const text = fs.readFileSync(full, "utf8");
        if (!/\brules?\b/i.test(text)) return [];
        if (!/\.[cm]?[jt]s$/.test(file)) return [...text.matchAll(/^\s*#(.*)$/gm)].map((m) => ({ file, text: m[1] ?? "" }));
        const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
        const ranges = new Map<number, ts.CommentRange>();
        const visit = (node: ts.Node) => {
            for (const r of [...(ts.getLeadingCommentRanges(text, node.pos) ?? []), ...(ts.getTrailingCommentRanges(text, node.end) ?? [])])
                ranges.set(r.pos, r);
            // Every token, punctuation included: a comment before a closing brace belongs to no other node.
            for (const child of node.getChildren(source)) visit(child);
        };
        visit(source);
        return [...ranges.values()].map((r) => ({ file, text: text.slice(r.pos, r.end) }));
    });
}

/** The rules a comment cites: "rule 12", "rules 7-10", "rules 11/12", "rules 28 and 34-38", "docs/policy.md rule X". */
function citedRules(comment: string): string[] {
    const out: string[] = [];
    for (const [, list] of comment.matchAll(/\brules?\s+(\d+(?:\s*-\s*\d+)?(?:\s*(?:,|\/|and|or)\s*\d+(?:\s*-\s*\d+)?)*)/gi)) {
        for (const [, from, to] of (list ?? "").matchAll(/(\d+)(?:\s*-\s*(\d+))?/g)) {
            for (let n = Number(from); n <= Number(to ?? from); n++) out.push(String(n));
        }
    }
    for (const [, named] of comment.matchAll(/docs\/policy\.md rules? (X|ARM)\b/g)) out.push(named ?? "");
    return out;
}
