import { expect, test } from "@playwright/test";
import { asUser, DEMO, fillDemoEvaluation } from "./helpers";

test("an engineer launches a quick evaluation, watches it run and reads the results", async ({ page }) => {
  test.setTimeout(400_000);
  await asUser(page, DEMO.ENGINEER, "/t/demo/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Evaluations" }).click();
  await page.getByRole("link", { name: "New evaluation" }).first().click();
  const form = page.getByRole("form", { name: "New evaluation" });
  await fillDemoEvaluation(form, { samples: 80, shardSize: 20 });
  await expect(form.getByTestId("estimate")).toContainText("sample·steps");
  await form.getByRole("button", { name: "Launch evaluation" }).click();

  await expect(page).toHaveURL(/\/evaluations\/\d+$/);
  const bar = page.getByRole("progressbar", { name: /Evaluation #\d+ progress/ });
  await expect(bar).toBeVisible();
  // The bar moves without a reload: we see at least two different values before it completes.
  const seen = new Set<string>();
  const deadline = Date.now() + 360_000;
  while (Date.now() < deadline) {
    const status = await page.getByTestId("evaluation-status").first().innerText();
    if (status === "Completed") break;
    // The bar leaves the page when the run completes: a read that finds it gone is skipped, not waited on.
    const value = (await bar.count()) ? await bar.getAttribute("aria-valuenow", { timeout: 1_000 }).catch(() => null) : null;
    if (value !== null) seen.add(value);
    await page.waitForTimeout(500);
  }
  await expect(page.getByTestId("evaluation-status").first()).toHaveText("Completed");
  expect(seen.size).toBeGreaterThanOrEqual(2);

  await expect(page.getByTestId("clean-accuracy")).toHaveText(/\d+\.\d%/);
  await expect(page.getByRole("img", { name: "Accuracy versus L∞ budget" })).toBeVisible();
  await expect(page.getByTestId("gallery").getByRole("img").first()).toBeVisible();
  await expect(page.getByText("Checks of this evaluation")).toBeVisible();
  const csv = await page.request.get(page.url() + "/results.csv");
  expect(csv.status()).toBe(200);
  expect((await csv.text()).split("\n")[0]).toContain("clean_prediction");
});

test("a viewer reads evaluations but cannot launch one", async ({ page }) => {
  await asUser(page, DEMO.VIEWER, "/t/demo/evaluations");
  await expect(page.getByRole("heading", { name: "Evaluations" })).toBeVisible();
  await expect(page.getByRole("link", { name: "New evaluation" })).toHaveCount(0);
  await page.getByRole("link", { name: /^#\d+$/ }).first().click();
  await expect(page.getByTestId("evaluation-status").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel evaluation" })).toHaveCount(0);
  await page.goto("/t/demo/evaluations/new");
  await expect(page.getByText("Your role in this team cannot launch evaluations")).toBeVisible();
});
