import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "dist/**", "out/**", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },
    // CommonJS entry points (tools/register.cjs loads the TypeScript, so it cannot be TypeScript itself).
    { files: ["**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
);
