import * as fs from "fs";
import * as path from "path";
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
        for (const [, link] of readme.matchAll(/\]\(((?:docs|contracts|examples)\/[^)#]+)\)/g)) {
            expect({ link, exists: fs.existsSync(path.join(root, link)) }).toEqual({ link, exists: true });
        }
    });
});
