import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", ".bulwark/", "lib/db/generated/", "test-results/", "playwright-report/", "next-env.d.ts", "demo/models/", ".*"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["app/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      // Only lib/env.ts reads the environment (tests, scripts that hand env to children, configs and the
      // standalone example programs of docs/examples excepted).
      "no-restricted-syntax": ["error", { selector: "MemberExpression[object.name='process'][property.name='env']", message: "Read configuration through env() from lib/env.ts." }],
    },
  },
  {
    // Links go through app/_components/link.tsx (prefetched on intent, not on sight: why is written there).
    files: ["app/**/*.tsx"],
    ignores: ["app/_components/link.tsx"],
    rules: { "no-restricted-imports": ["error", { paths: [{ name: "next/link", message: "Import Link from @/app/_components/link (prefetch on intent)." }] }] },
  },
  {
    files: ["lib/env.ts", "cli/config.ts", "lib/**/test-helpers.ts", "scripts/**", "test/**", "e2e/**", "*.config.ts", "*.config.js", "prisma.config.ts", "next.config.ts", "**/*.test.ts", "docs/examples/**"],
    rules: { "no-restricted-syntax": "off" },
  },
);
