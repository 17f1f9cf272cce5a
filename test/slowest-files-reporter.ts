import type { Reporter, TestModule } from "vitest/node";

// Prints the ten slowest test files after every run, so a file that grows past the suite's budget
// (CONTRIBUTING.md) is seen in CI's output without rerunning anything.
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const rows = testModules
      .map((m) => {
        const d = m.diagnostic();
        return { file: m.moduleId.replace(`${process.cwd()}/`, ""), ms: d.setupDuration + d.collectDuration + d.duration };
      })
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    if (rows.length === 0) return;
    console.log("\nSlowest test files (setup + import + tests):");
    for (const r of rows) console.log(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`);
  }
}
