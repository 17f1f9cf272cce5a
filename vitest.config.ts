import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import SlowestFirstSequencer from "./test/sequencer";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "workers/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // The test model servers listen on loopback: the instance-level switch for private targets is on in
    // tests (workers started by tests inherit it); tests of the switch itself turn it off.
    env: { BULWARK_OUTBOUND_ALLOW_PRIVATE: "true" },
    setupFiles: ["test/db-per-file.ts"],
    // Two files at a time (Vitest's default on 2 CPUs is one): most integration files wait on worker
    // processes, the queue and the database rather than compute.
    maxWorkers: 2,
    reporters: ["default", "./test/slowest-files-reporter.ts"],
    sequence: { sequencer: SlowestFirstSequencer },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
