import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "workers/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/db-per-file.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
