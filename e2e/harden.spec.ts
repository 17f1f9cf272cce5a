import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { signInToFreshTeam } from "./helpers";
import { expectNoSeriousA11yViolations } from "./axe";

// Evaluate → harden → re-evaluate → gate (issue 28). An engineer of a fresh team (nothing shared with other
// journeys) registers the demo's digits-cnn v1 as a limited-risk model, the first 400 training digits and 200
// evaluation digits, and evaluates v1 with the quick suite: it fails the default policy's limited-tier gate
// (robust accuracy at L∞ 0.1 at least 40%; v1 measures about 30%). From the model page they harden v1 with a tiny
// PGD adversarial training (400 digits, 2 epochs, PGD-5 at ε 0.1: seconds on a worker), seeing the estimated
// cost before launch and the progress after; v2 appears with its lineage and measured cost, is evaluated with
// v1's suite on the same digits automatically, sits beside v1 in the comparison, and passes the gate v1 fails.

const dir = mkdtempSync(join(tmpdir(), "bulwark-e2e-harden-"));

/** The demo's first training and evaluation digits as IDX pairs, written by the seed's own encoder. */
function writeDigits(): Record<"trainImages" | "trainLabels" | "evalImages" | "evalLabels", string> {
  const out = { trainImages: join(dir, "train-images-idx3-float"), trainLabels: join(dir, "train-labels-idx1-ubyte"), evalImages: join(dir, "eval-images-idx3-float"), evalLabels: join(dir, "eval-labels-idx1-ubyte") };
  const code = `
    import { writeFileSync } from "node:fs";
    import { loadDemoEvalSplit, loadDemoTrainSplit } from "./lib/demo/mnist.ts";
    import { idxOfSplit } from "./lib/seed/registry.ts";
    const first = (s, n) => { const px = s.images.length / s.count; return idxOfSplit({ ...s, count: n, images: s.images.subarray(0, n * px), labels: s.labels.subarray(0, n) }); };
    const t = first(loadDemoTrainSplit(), 400), e = first(loadDemoEvalSplit(), 200);
    writeFileSync(${JSON.stringify(out.trainImages)}, t.images); writeFileSync(${JSON.stringify(out.trainLabels)}, t.labels);
    writeFileSync(${JSON.stringify(out.evalImages)}, e.images); writeFileSync(${JSON.stringify(out.evalLabels)}, e.labels);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

/** Registers through the pages' own upload route, as the upload forms do (the engineer's session). */
async function upload(page: Page, path: string, files: Record<string, string>, fields: Record<string, string>): Promise<string> {
  const form = new FormData();
  for (const [name, file] of Object.entries(files)) form.append("files", new File([readFileSync(file)], name));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await page.request.post(path, { multipart: form });
  const body = (await res.json()) as { ok: boolean; redirect?: string; message?: string };
  expect(res.status(), body.message).toBe(200);
  return body.redirect!;
}

const dataCard = (split: string) => ({ format: "idx", classLabels: "0,1,2,3,4,5,6,7,8,9", description: `Demo digits (${split})`, source: "the demo's MNIST digits", collectedBy: "NIST", collectedWhen: "1998", licence: "CC-BY-SA-3.0", personalData: "no", split });

test("an engineer hardens a failing version from its model page; the hardened version passes the gate", async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const team = await signInToFreshTeam(page, "harden", "ENGINEER");

  // --- A model, its training digits and the evaluation digits --------------------------------------------
  const digits = writeDigits();
  const modelUrl = await upload(page, `/t/${team}/models/upload`, { "model.json": "demo/models/digits-cnn-v1/model.json", "weights.bin": "demo/models/digits-cnn-v1/weights.bin" }, {
    name: "digits", task: "image-classification", inputShape: "28,28,1", "inputRange.min": "0", "inputRange.max": "1", classLabels: "0,1,2,3,4,5,6,7,8,9",
    riskTier: "limited", owner: "E2E hardening", intendedUse: "The hardening journey", outOfScopeUse: "Anything real", "trainingMethod.kind": "standard",
  });
  await upload(page, `/t/${team}/datasets/upload`, { "digits-images-idx3-float": digits.trainImages, "digits-labels-idx1-ubyte": digits.trainLabels }, { name: "digits-train", ...dataCard("train") });
  await upload(page, `/t/${team}/datasets/upload`, { "digits-images-idx3-float": digits.evalImages, "digits-labels-idx1-ubyte": digits.evalLabels }, { name: "digits-eval", ...dataCard("test") });
  const modelId = /\/models\/([^/?]+)/.exec(modelUrl)![1]!;

  // --- v1 evaluated with the quick suite on the 200 evaluation digits -----------------------------------
  await page.goto(`/t/${team}/evaluations/new?model=${modelId}`);
  const launch = page.getByRole("form", { name: "New evaluation" });
  await launch.getByLabel("Dataset version").selectOption({ label: "digits-eval v1 (test, 200 samples)" });
  await launch.getByLabel("Samples", { exact: true }).fill("200");
  await launch.getByRole("button", { name: "Launch evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/\d+$/);
  await expect(page.getByTestId("evaluation-status")).toHaveText("Completed", { timeout: 240_000 });

  // --- The model page: no run yet; "Harden v1" opens the form with the estimate before launch -------------
  await page.goto(modelUrl);
  const runs = page.locator("#hardening");
  await expect(runs.getByText("No hardening run yet.")).toBeVisible();
  await page.getByRole("link", { name: "Harden v1" }).first().click();
  await expect(page.getByRole("heading", { name: "Harden digits v1" })).toBeVisible();
  const form = page.getByRole("form", { name: "Harden a model version" });
  const estimate = page.getByTestId("hardening-estimate");
  await expect(estimate).toContainText("400 examples × 2 epochs × 5 attack steps");
  await expect(form.getByLabel("Training dataset version")).toHaveValue(/.+/);
  // A bad field is named and the typed values stay.
  await form.getByLabel("ε (L∞ budget)").fill("0");
  await form.getByLabel("Epochs", { exact: true }).fill("2");
  await form.getByRole("button", { name: "Launch hardening of v1" }).click();
  await expect(form.locator("#h-eps-error")).toHaveText("ε: more than 0");
  await expect(form.getByLabel("Epochs", { exact: true })).toHaveValue("2");
  // The tiny configuration: its cost is stated before launch.
  await form.getByLabel("ε (L∞ budget)").fill("0.1");
  await form.getByLabel("Attack steps").fill("5");
  await form.getByLabel("Training examples", { exact: true }).fill("400");
  await form.getByLabel("Seed", { exact: true }).fill("7");
  await expect(estimate).toContainText("400 examples × 2 epochs × 5 attack steps = 4,000 attack gradients", { timeout: 30_000 });
  await expectNoSeriousA11yViolations(page, testInfo, "hardening form");
  await form.getByRole("button", { name: "Launch hardening of v1" }).click();

  // --- Progress on the model page, then v2 with its lineage and measured cost -----------------------------
  await expect(page).toHaveURL(/\/models\/[^/?]+\?v=1#hardening$/);
  const row = runs.locator("[data-run]").first();
  await expect(row).toContainText("PGD adversarial training (ε 0.1, 5 steps)");
  await expect(row).toContainText(/about \d+ s/);
  await expect(row.getByTestId("hardening-status")).toHaveText("Completed", { timeout: 180_000 });
  await expect(row).toContainText("2 of 2 epochs");
  await expect(row.getByTestId("hardening-cost")).toContainText(/s wall time, 2 epochs, 800 examples trained, 4,000 attack \+ 800 weight gradients/);
  await expectNoSeriousA11yViolations(page, testInfo, "model page with a finished hardening run");
  await row.getByTestId("hardened-version").click();
  await expect(page).toHaveURL(/\?v=2$/);
  await expect(page.getByTestId("hardened-from")).toContainText("v1 with PGD adversarial training (ε 0.1, 5 steps) on digits-train v1 (400 examples, 2 epochs, Adam 0.001, batch 32, seed 7)");
  await expect(page.getByTestId("hardened-cost")).toContainText(/backend on \d+ × .+, worker /);

  // --- v2 evaluated with v1's suite on the same digits, beside v1 in the comparison -------------------------
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("compare-row-v2").getByRole("link", { name: /^#\d+$/ })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 240_000 });
  await expect(page.getByTestId("compare-row-v1").getByRole("link", { name: /^#\d+$/ })).toBeVisible();
  await expect(page.getByTestId("compare-row-v2")).toContainText("PGD-5 adversarial training");
  // Calibration is measured by every evaluation: both rows have a clean ECE; the quick suite ran no corruptions.
  await expect(page.getByTestId("compare-row-v1").getByTestId("compare-ece")).toHaveText(/^\d\.\d{3}$/);
  await expect(page.getByTestId("compare-row-v2").getByTestId("compare-ece")).toHaveText(/^\d\.\d{3}$/);
  await expect(page.getByTestId("compare-row-v2").getByTestId("compare-corruptions")).toHaveText("not measured");

  // --- The gate: v1 fails the limited tier's 40% at L∞ 0.1, v2 passes -------------------------------------
  await page.goto(`/t/${team}/operations/${modelId}`);
  const v1Gate = page.locator("li", { has: page.locator("p", { hasText: /^v1 gate fails/ }) });
  await expect(v1Gate).toContainText(/Robust accuracy Linf 0\.1: \d+\.\d% measured; policy: worst-case robust accuracy ≥ 40% at Linf 0\.1/);
  await expect(page.locator("p", { hasText: /^v2 gate passes/ })).toBeVisible();
});
