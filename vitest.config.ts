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
    // Three files at a time on 2 cores (Vitest's default there is one): most integration files wait on
    // worker processes, the queue and the database rather than compute. With two, the Vitest files of
    // the last CI rehearsal used 0.2 to 0.8 of a core for most of the run (their CPU measured alone,
    // spread over the times they ran), and the suite was CI's longest step.
    maxWorkers: 3,
    reporters: ["default", "./test/slowest-files-reporter.ts"],
    sequence: { sequencer: SlowestFirstSequencer },
    // Limits are for hangs, not speed: CI runs this beside the journeys at load 10-25, where a test can
    // take three times its quiet time (a wait that was fine quietly failed CI at 180 s). Waits in the
    // tests poll for a state, so a generous limit costs nothing when they pass.
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
