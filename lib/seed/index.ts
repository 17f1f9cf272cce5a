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
    (teamId) => seedDemoRegistry(teamId, (m) => console.log(`[bulwark] ${m}`)),
    (teamId) => seedDemoOnnxModel(teamId, (m) => console.log(`[bulwark] ${m}`)),
    (teamId) => seedDemoIntegrity(teamId, (m) => console.log(`[bulwark] ${m}`)).then(() => undefined),
    (teamId) => seedDemoEnsemble(teamId, (m) => console.log(`[bulwark] ${m}`)),
    (teamId) => seedDemoEvaluations(teamId, (m) => console.log(`[bulwark] ${m}`)),
    (teamId) => seedDemoIntegrityEvaluations(teamId, (m) => console.log(`[bulwark] ${m}`)),
    (teamId) => seedCompliance(teamId),
    (teamId) => seedOperations(teamId),
  ];
}
