import { expect, test } from "@playwright/test";
import { asUser, DEMO, firstHref } from "./helpers";
import { expectNoSeriousA11yViolations } from "./axe";

// Accessibility (issue 24): axe-core on every main page of the product, as the demo reviewer (reads only,
// changes nothing): 0 serious or critical violations (WCAG 2.1 A/AA rules).

test("every main page has no serious or critical axe violation", async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  await page.goto("/sign-in");
  await expectNoSeriousA11yViolations(page, testInfo, "sign-in");
  await asUser(page, DEMO.REVIEWER);

  // The first record of each list, for the detail pages.
  const firstOn = async (list: string, pattern: RegExp) => {
    await page.goto(list);
    return firstHref(page, pattern);
  };
  const pages = [
    "/t/demo/dashboard", "/t/demo/models", "/t/demo/models/new", "/t/demo/models/endpoint", "/t/demo/datasets", "/t/demo/datasets/new",
    "/t/demo/evaluations", "/t/demo/evaluations/new", "/t/demo/evaluations/schedules", "/t/demo/operations", "/t/demo/controls",
    "/t/demo/controls?fw=nist-ai-rmf&control=nist-ai-rmf%3AMEASURE%202.7", "/t/demo/risk", "/t/demo/reports", "/t/demo/reports/verify", "/t/demo/audit",
    "/t/demo/settings/members", "/t/demo/settings/policy", "/t/demo/settings/tokens", "/t/demo/settings/alerts", "/t/demo/settings/outbound", "/t/demo/settings/api",
    await firstOn("/t/demo/models", /^\/t\/demo\/models\/[^/?]+$/),
    await firstOn("/t/demo/datasets", /^\/t\/demo\/datasets\/[^/?]+$/),
    await firstOn("/t/demo/evaluations", /^\/t\/demo\/evaluations\/\d+$/),
    await firstOn("/t/demo/operations", /^\/t\/demo\/operations\/[^/?]+$/),
  ];
  const failures: string[] = [];
  for (const path of pages) {
    await page.goto(path);
    await expect(page.locator("main")).toBeVisible();
    try {
      await expectNoSeriousA11yViolations(page, testInfo, path);
    } catch (e) {
      failures.push(String((e as Error).message).split("\n").slice(0, 12).join("\n"));
    }
  }
  expect(failures, "pages with serious or critical violations").toEqual([]);
});
