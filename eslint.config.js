// ESLint for promise handling only: a promise nobody handles fails the build (issue "Nothing crashes").
// Type-aware, through the TypeScript project service; style is left to review (STYLE.md).
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["node_modules/", "test-artifacts/", "coverage/", "src/server/public/"] },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  {
    files: ["{src,protocols,simulator,bench,test}/**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // Awaiting a non-promise usually means a call that was meant to return one and does not.
      "@typescript-eslint/await-thenable": "error",
    },
  },
);
