import type { DemoSeeder } from "./demo";
import { seedCompliance } from "./compliance";
import { seedDemoEvaluations } from "./evaluations";
import { seedDemoIntegrity, seedDemoIntegrityEvaluations } from "./integrity";
import { seedOperations } from "./operations";
import { seedDemoEnsemble, seedDemoOnnxModel, seedDemoRegistry } from "./registry";

// The demo's order lives here, above the seed modules, so none of them imports another's caller.

/** Demo content seeded after the team and users, in order. Later modules add theirs here. */
export function demoSeeders(): DemoSeeder[] {
  return [
    (scope) => seedDemoRegistry(scope, (m) => console.log(`[bulwark] ${m}`)),
    (scope) => seedDemoOnnxModel(scope, (m) => console.log(`[bulwark] ${m}`)),
    (scope) => seedDemoIntegrity(scope, (m) => console.log(`[bulwark] ${m}`)).then(() => undefined),
    (scope) => seedDemoEnsemble(scope, (m) => console.log(`[bulwark] ${m}`)),
    (scope) => seedDemoEvaluations(scope, (m) => console.log(`[bulwark] ${m}`)),
    (scope) => seedDemoIntegrityEvaluations(scope, (m) => console.log(`[bulwark] ${m}`)),
    (scope) => seedCompliance(scope),
    (scope) => seedOperations(scope),
  ];
}
