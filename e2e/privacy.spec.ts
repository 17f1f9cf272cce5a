import { expect, test } from "@playwright/test";
import { asUser, DEMO, signOut } from "./helpers";

// Issue 12 (membership inference): an engineer launches a privacy evaluation of the demo model from the form,
// seeing its cost before launch; the real worker scores the model and trains the LiRA reference models; a
// compliance officer then reads the result: ROC curves, AUC with intervals, the plain-language reading and the
// training-privacy claim next to the measurement.

test("an engineer runs a membership-inference evaluation and a reviewer reads it", async ({ page }) => {
  test.setTimeout(600_000);
  await asUser(page, DEMO.ENGINEER, "/t/demo/evaluations/new");
  const form = page.getByRole("form", { name: "New evaluation" });
  await form.getByText("Privacy (membership inference)").click();
  await form.getByLabel("Model version").selectOption({ label: "digits-cnn v1 (limited risk)" });
  // Members default to the training data on the card; non-members to the held-out evaluation split.
  await expect(form.getByLabel("Members (training data)")).toContainText("From the card: mnist-demo-train");
  await expect(form.getByLabel("Non-members (held out)").locator("option:checked")).toContainText("mnist-demo-eval");
  await form.getByLabel("Samples per set").fill("150");
  await form.getByLabel("LiRA reference models").fill("2");
  await form.getByLabel("Epochs per reference model").fill("1");
  await expect(form.getByTestId("privacy-estimate")).toContainText("example-epochs/s");
  await form.getByRole("button", { name: "Launch evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/\d+$/);
  const url = page.url();
  await expect(page.getByTestId("evaluation-status").first()).toHaveText("Completed", { timeout: 480_000 });

  await signOut(page);
  await asUser(page, DEMO.REVIEWER, url);
  await expect(page.getByRole("img", { name: "ROC curves of the membership-inference attacks" })).toBeVisible();
  const attacks = page.getByRole("table", { name: "Membership-inference attacks" });
  for (const name of ["Loss", "LiRA"]) await expect(attacks.getByRole("row").filter({ hasText: name }).first()).toBeVisible();
  // 150 non-members cannot resolve a 0.1% false-positive rate: said, not invented.
  await expect(attacks).toContainText("not resolvable");
  await expect(page.getByTestId("privacy-reading")).toContainText("0.1%");
  await expect(page.getByTestId("privacy-claim")).toBeVisible();
  await expect(page.getByRole("table", { name: "Per-class membership inference" }).getByRole("row")).toHaveCount(11);

  // The list filters by kind.
  await page.goto("/t/demo/evaluations?kind=privacy");
  await expect(page.getByRole("row").filter({ hasText: "digits-cnn" }).first()).toBeVisible();
});
