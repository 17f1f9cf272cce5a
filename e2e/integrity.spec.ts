import { expect, test } from "@playwright/test";
import { asUser, DEMO } from "./helpers";

// Issue 12 (training-data integrity): a compliance officer opens the seeded integrity scan of the poisoned demo
// model, reads that a backdoor is live, sees the suspected planted examples and the trigger test, and finds the
// same result on the poisoned dataset's page. The scans are queued by the demo seed and run by the real worker.

test("a reviewer reads the integrity scan of the poisoned demo model: live backdoor, planted examples, trigger test, dataset panel", async ({ page }) => {
  test.setTimeout(720_000);
  await asUser(page, DEMO.REVIEWER, "/t/demo/evaluations?kind=integrity");
  const row = page.getByRole("row").filter({ hasText: "digits-cnn-poisoned" }).first();
  await expect(row).toBeVisible();
  await row.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/t\/demo\/evaluations\/\d+$/);
  // The worker may still be running it: the page refreshes itself until it completes.
  await expect(page.getByTestId("integrity-results")).toBeVisible({ timeout: 600_000 });
  await expect(page.getByTestId("integrity-reading")).toContainText('A live backdoor towards "0"');
  await expect(page.getByTestId("integrity-live")).toContainText("towards “0”");
  await expect(page.getByTestId("integrity-suspicious").getByRole("img").first()).toBeVisible();
  const trigger = page.getByRole("table", { name: "Trigger test" });
  await expect(trigger.locator("tr[data-live=true]").first()).toContainText("derived");
  await expect(page.getByTestId("integrity-mislabelled")).toHaveText(/\d+\.\d%/);
  // Issue 35: every patch test is shown (4 generic corners towards each of 10 classes + the derived one), the
  // rule is stated, and every suspected example is reachable: pages and a CSV of all of them.
  await expect(page.getByTestId("integrity-trigger-row")).toHaveCount(41);
  await expect(page.getByTestId("integrity-reading")).toContainText("The rule: a patch is a live backdoor when it turns at least 50%");
  const title = await page.getByRole("heading", { name: /Suspected planted examples \(\d+\)/ }).textContent();
  const total = Number(/\((\d+)\)/.exec(title ?? "")![1]);
  const csv = await page.request.get(page.url() + "/suspects.csv");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toBe("rank,dataset_index,label,spectral_score,spectral_rank_in_class,in_spectral_top");
  expect(lines).toHaveLength(total + 1);
  if (total > 48) {
    await page.getByTestId("integrity-suspects-pages").getByRole("link", { name: "Next" }).click();
    await expect(page.getByTestId("integrity-suspicious")).toContainText("49. #");
  }
  await page.screenshot({ path: "test-results/integrity-results.png", fullPage: true });

  await page.goto("/t/demo/datasets");
  await page.getByRole("link", { name: "mnist-demo-train-poisoned" }).click();
  await expect(page.getByTestId("dataset-integrity")).toContainText("Live backdoor");
  await expect(page.getByTestId("dataset-integrity")).toContainText("towards “0”");
});
