/**
 * `node -r ./tools/register.cjs tools/plan.ts`: runs the project's TypeScript under plain Node (CommonJS),
 * without tsx on the hot path. tsx turns on source maps (every `new Error().stack` - Pulumi takes one per
 * promise and per resource - is then remapped) and runs its ESM hooks in a worker thread; measured with
 * `npm run bench -- --profile`, that was more than the plan's own work.
 *
 * Each .ts file outside node_modules is transpiled once with TypeScript's `transpileModule` (the
 * compiler options of tsconfig.json that change emitted code), and the JS is cached under
 * node_modules/.cache/pachyderm-azure-ts keyed by a hash of the compiler version, options and source,
 * so an edited file is transpiled again and an unchanged one never is. Type checking stays with
 * `npm run build`. Stack traces point at the emitted JS lines; use `npx tsx` to debug with TS lines.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "pachyderm-azure-ts");
const TSCONFIG = path.join(ROOT, "tsconfig.json");

let ts;
let tsconfigText;
let keyPrefix;

function transpile(source, filename) {
    ts ??= require("typescript");
    const { config } = ts.parseConfigFileTextToJson(TSCONFIG, tsconfigText);
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
    return ts.transpileModule(source, { fileName: filename, compilerOptions: options, reportDiagnostics: false }).outputText;
}

function compiled(source, filename) {
    // The compiler version and tsconfig.json are part of the key, read without loading TypeScript itself.
    tsconfigText ??= fs.readFileSync(TSCONFIG, "utf8");
    keyPrefix ??= `${require("typescript/package.json").version}\0${tsconfigText}`;
    const key = crypto.createHash("sha256").update(keyPrefix).update("\0").update(source).digest("hex");
    const file = path.join(CACHE_DIR, `${key}.js`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        const js = transpile(source, filename);
        // Write then rename: concurrent processes (jest's global setup plans every stack at once) never read half a file.
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, js);
        fs.renameSync(tmp, file);
        return js;
    }
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
    if (filename.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`register.cjs: refusing to transpile ${filename}`);
    module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
};

module.exports = { compiled, CACHE_DIR };
