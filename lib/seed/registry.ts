import type { DemoSeeder } from "./demo";

/** Demo content seeded after the team and users, in order. Later modules add theirs here. */
export function demoSeeders(): DemoSeeder[] {
  return [];
}
