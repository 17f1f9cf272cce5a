import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import SlowestFirstSequencer from "./test/sequencer";

// Test files that use no database, queue or worker process run without the per-file database
// (test/db-per-file.ts: a fork importing Prisma and copying a database costs more CPU than most of these
// tests). A file listed here that reaches the database fails with "DATABASE_URL is not set": move it out.
const ENGINE = ["lib/engine/**/*.test.ts", "lib/integrity/**/*.test.ts"];
// The engine's files share a process too (TensorFlow.js is imported once per Vitest worker, not per file):
// each chooses its backend explicitly before computing (initEngineBackend("cpu" | "wasm" | "tensorflow")).
// These do not, so they get a fresh process: "auto" returns the backend an earlier file left chosen
// (lib/engine/backend.ts keeps it per process), and tf without a chosen backend uses cpu only when fresh.
const ENGINE_FRESH = [
  "lib/engine/backend.test.ts",
  "lib/engine/training/harden.test.ts",
  "lib/engine/privacy/attack.test.ts",
  "lib/integrity/demo-confident-learning.test.ts",
  "lib/integrity/demo-integrity.test.ts",
];
// These also share one process per Vitest worker (isolate: false): none of them touches TensorFlow.js,
// environment variables or module state another file reads.
const PURE = [
  "lib/outbound/**/*.test.ts",
  "lib/security/**/*.test.ts",
  "lib/charts/**/*.test.ts",
  "lib/compliance/{beyond,catalog,charts,engine,evidence,export,gate,integrity,policy-form,privacy}.test.ts",
  "lib/compliance/oscal/{assessment-results,catalog,component}.test.ts",
  "lib/evaluations/{compare-versions,export,integrity-reading,privacy-reading,regression,sampling}.test.ts",
  "lib/{csv,duration}.test.ts",
  "lib/process/entries.test.ts",
  "lib/api/contract.test.ts",
  "lib/audit/chain.test.ts",
  "lib/auth/{permissions,return-to}.test.ts",
  "lib/demo/mnist.test.ts",
  "lib/hardening/form.test.ts",
  "lib/operations/drift.test.ts",
  "lib/registry/{compat,model-card}.test.ts",
  "lib/reports/{evaluation-head,format}.test.ts",
  "app/api/v1/[[]...path]/route.test.ts",
  "app/api/v1/openapi.json/route.test.ts",
  "scripts/bench-engine-options.test.ts",
  "test/{import-cycles,app-boundary}.test.ts",
  "workers/shard-runner.test.ts",
];

// Every other test file uses the database: test/global-setup.ts starts one PostgreSQL for the run (shared by
// `db` and `db-fresh`) and test/db-per-file.ts gives each file a new database copied from the template.
const DB = ["lib/**/*.test.ts", "workers/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"];
// They share a process per Vitest worker too (isolate: false; Prisma's client and lib are imported once, an
// idle upload-check child is reused): test/db-per-file.ts runs again before and after each file and puts back
// what a fresh process has (process.env as it started, the configuration read from it, the configured
// artifact store, no queue, the client on the file's own database, real timers); the product's other caches
// are keyed by ids a new database does not reuse. These get a fresh process: they compute with TensorFlow.js
// in the test process and choose its backend (directly, or through teamWithDemoEvalSet and the monitoring
// signal), which is per process and would be left to the files after them.
const DB_FRESH = [
  "app/api/v1/deployments.test.ts", // initEngineBackend("auto"), measure(); ingests samples (monitoring's check backend)
  "lib/compliance/compliance.integration.test.ts", // teamWithDemoEvalSet: initEngineBackend("auto"), measure()
  "lib/evaluations/blackbox.test.ts", // initEngineBackend("wasm")
  "lib/evaluations/mismatch.integration.test.ts", // initEngineBackend on each backend in turn
  "lib/operations/attack-signal.test.ts", // initEngineBackend("auto")
  "lib/operations/deployments.integration.test.ts", // teamWithDemoEvalSet, measure(), monitoring's check backend
  "lib/operations/monitoring.integration.test.ts", // teamWithDemoEvalSet, measure(), monitoring's check backend
];

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    // The test model servers listen on loopback: the instance-level switch for private targets is on in
    // tests (workers started by tests inherit it); tests of the switch itself turn it off.
    env: { BULWARK_OUTBOUND_ALLOW_PRIVATE: "true" },
    projects: [
      {
        extends: true,
        test: { name: "pure", include: PURE, isolate: false },
      },
      { extends: true, test: { name: "engine", include: ENGINE, exclude: ENGINE_FRESH, isolate: false } },
      { extends: true, test: { name: "engine-fresh", include: ENGINE_FRESH } },
      {
        extends: true,
        test: {
          name: "db",
          include: DB,
          exclude: [...PURE, ...ENGINE, ...DB_FRESH],
          isolate: false,
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/db-per-file.ts"],
        },
      },
      {
        extends: true,
        test: { name: "db-fresh", include: DB_FRESH, globalSetup: ["test/global-setup.ts"], setupFiles: ["test/db-per-file.ts"] },
      },
    ],
    // Three files at a time on 2 cores (Vitest's default there is one): most integration files wait on
    // worker processes, the queue and the database rather than compute. With two, the Vitest files of
    // the last CI rehearsal used 0.2 to 0.8 of a core for most of the run (their CPU measured alone,
    // spread over the times they ran), and the suite was CI's longest step.
    maxWorkers: 3,
    reporters: ["default", "./test/slowest-files-reporter.ts"],
    sequence: { sequencer: SlowestFirstSequencer },
    // Limits are for hangs, not speed: a busy machine (a helper's benchmark, several runs at once) can make a
    // test take three times its quiet time (a wait that was fine quietly once failed CI at 180 s). Waits in
    // the tests poll for a state, so a generous limit costs nothing when they pass.
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
