import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";

/**
 * Runs axe-core on the page as it stands and fails on any serious or critical violation, naming the rule,
 * its help text and the first elements it hit (the full result is attached to the test report).
 */
export async function expectNoSeriousA11yViolations(page: Page, testInfo?: TestInfo, label = page.url()) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (testInfo && bad.length) await testInfo.attach(`axe ${label}`, { body: JSON.stringify(bad, null, 2), contentType: "application/json" });
  const summary = bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}${v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : ""}`);
  expect(summary, `axe on ${label}`).toEqual([]);
}
