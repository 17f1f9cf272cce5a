import { BaseSequencer, type TestSpecification } from "vitest/node";

// Vitest orders files by the durations cached from earlier runs, which a fresh CI clone does not have
// (it then goes by file size). The files below are the slowest in CI (the slowest-files reporter prints
// them after every run): started first, none of them is left running alone at the end of the suite.
// Keep the list to the slowest fourteen or so; order does not need to be exact.
export const SLOWEST_FIRST = [
  "test/faults.test.ts",
  "test/supervisor.test.ts",
  "lib/evaluations/lifecycle.test.ts",
  "lib/evaluations/blackbox.test.ts",
  "lib/hardening/run.test.ts",
  "test/faults-backup.test.ts",
  "lib/compliance/compliance.integration.test.ts",
  "app/api/v1/api.test.ts",
  "app/api/v1/fuzz.test.ts",
  "lib/api/fuzz-forms.test.ts",
  "lib/evaluations/integrity.test.ts",
  "lib/reports/reports.integration.test.ts",
  "lib/operations/deployments.integration.test.ts",
  "lib/evaluations/privacy.integration.test.ts",
  "test/api-clients.test.ts",
  "test/shared-nothing.test.ts",
];

export default class SlowestFirstSequencer extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOWEST_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i === -1 ? SLOWEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep the base order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
