import { expect, test } from "@playwright/test";
import { DEMO, signIn } from "./helpers";

// Issue 15: an engineer adds common corruptions and the OOD check to a quick evaluation and reads
// calibration (table + reliability diagram), the corruption table and gallery, and the OOD scores.
test("an engineer measures calibration, common corruptions and OOD behaviour", async ({ page }) => {
  test.setTimeout(300_000);
  await signIn(page, DEMO.ENGINEER);
  await page.goto("/t/demo/evaluations/new");
  const form = page.getByRole("form", { name: "New evaluation" });
  await form.getByLabel("Model version").selectOption({ label: "digits-cnn v1 (limited risk)" });
  const evalOption = await form.getByLabel("Dataset version").locator("option", { hasText: "mnist-demo-eval" }).getAttribute("value");
  await form.getByLabel("Dataset version").selectOption(evalOption!);
  await form.getByLabel("Samples").fill("40");
  await form.getByLabel("Shard size").fill("20");
  await form.getByLabel(/Common corruptions/).check();
  await form.getByLabel("Out-of-distribution check").selectOption("synthetic");
  await form.getByRole("button", { name: "Launch evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/\d+$/);
  await expect(page.getByTestId("evaluation-status").first()).toHaveText("Completed", { timeout: 240_000 });

  const calibration = page.getByTestId("calibration");
  await expect(calibration.getByRole("table", { name: "Calibration clean and under each attack budget" })).toContainText("pgd-linf-10x1");
  await expect(page.getByRole("img", { name: /Accuracy against confidence/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Accuracy per corruption and severity" })).toContainText("JPEG quantisation");
  await expect(page.getByTestId("corruption-gallery").getByRole("img", { name: "Rotation, severity 5" })).toBeVisible();
  await expect(page.getByTestId("ood")).toContainText("AUROC, max softmax probability");
  await expect(page.getByTestId("inference-cost")).toContainText("inputs/s at batch 64");
  if (process.env.BEYOND_SCREENSHOT) await page.screenshot({ path: process.env.BEYOND_SCREENSHOT, fullPage: true });
});

test("the model card records training cost and the model page shows it", async ({ page }) => {
  await signIn(page, DEMO.ENGINEER);
  await page.goto("/t/demo/models/new");
  await expect(page.getByLabel("Training epochs (optional)")).toBeVisible();
  await expect(page.getByLabel("Training wall time, hours (optional)")).toBeVisible();
  await expect(page.getByLabel("Training hardware (optional)")).toBeVisible();
  if (process.env.BEYOND_SCREENSHOT) await page.screenshot({ path: process.env.BEYOND_SCREENSHOT.replace(/\.png$/, "-card.png"), fullPage: true });
  await page.goto("/t/demo/models");
  await page.getByRole("link", { name: "digits-cnn" }).first().click();
  await expect(page.getByText("Training cost")).toBeVisible();
});

test("a reviewer sees the calibration, OOD and corruption thresholds per risk tier in the policy", async ({ page }) => {
  await signIn(page, DEMO.REVIEWER);
  await page.goto("/t/demo/settings/policy");
  await expect(page.locator("#high-ece")).toHaveValue("0.1");
  await expect(page.locator("#high-ood")).toHaveValue("0.8");
  await expect(page.locator("#high-corr")).toHaveValue("70");
  await expect(page.locator("#minimal-ece")).toHaveValue("");
  if (process.env.BEYOND_SCREENSHOT) await page.screenshot({ path: process.env.BEYOND_SCREENSHOT.replace(/\.png$/, "-policy.png"), fullPage: true });
});
