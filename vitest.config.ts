import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "workers/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/db-per-file.ts"],
    // Two files at a time (Vitest's default on 2 CPUs is one): most integration files wait on worker
    // processes, the queue and the database rather than compute.
    maxWorkers: 2,
    reporters: ["default", "./test/slowest-files-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
