import { expect, test, type Page } from "@playwright/test";
import { asUser, DEMO, signOut } from "./helpers";

// The compliance officer's journey on the demo team: its demo evaluations are run by the real worker on
// first start, so the journey first waits until one has completed and the posture shows it.

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

async function waitForMeasuredGap(page: Page) {
  // The seeded quick evaluations take a minute or two on the worker; reload until a measured gap shows.
  await expect(async () => {
    await page.goto("/t/demo/dashboard");
    await expect(page.getByRole("list", { name: "Top gaps" }).getByRole("link", { name: /digits-cnn v\d+ fails MEASURE 2\.7: worst-case robust accuracy .* \(evaluation #\d+\)/ })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 480_000, intervals: [5_000] });
}

test("a reviewer sets the policy, drills from the posture into a failing control's evidence, attests a governance control; a viewer cannot", async ({ page }) => {
  test.setTimeout(720_000);
  await asUser(page, DEMO.REVIEWER, "/t/demo/dashboard");

  // The robustness policy: the demo model is limited-risk; the reviewer requires 99% at Linf 0.1 so that
  // the measurement (whatever the current demo version) falls short, and saves it as a new version.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Policy" }).click();
  await expect(page.getByText(/Robustness policy — version 1/)).toBeVisible();
  const policy = page.getByRole("form", { name: "Robustness policy" });
  const limited = policy.getByRole("region", { name: "Limited-risk models" });
  await limited.getByLabel("Thresholds").fill("linf 0.1 99%");
  await policy.getByLabel("Note for the audit log").fill("Demo: near-perfect robustness required");
  await policy.getByRole("button", { name: "Save as new version" }).click();
  await expect(policy.getByText("Saved as policy version 2.")).toBeVisible();

  // The posture dashboard: counts per framework and the top gaps in plain words.
  await waitForMeasuredGap(page);
  const posture = page.getByTestId("posture");
  await expect(posture.getByRole("heading", { name: "Compliance posture" })).toBeVisible();
  await expect(posture.getByRole("img", { name: /Controls per framework by status. NIST AI RMF: .*failing/ })).toBeVisible();
  // Other journeys may have added models to the demo team: follow the demo model's gap.
  const gap = posture.getByRole("list", { name: "Top gaps" }).getByRole("link", { name: /digits-cnn v\d+ fails MEASURE 2\.7/ }).first();
  await expect(gap).toContainText(/< 99% at Linf 0\.1/);
  await gap.click();

  // The control's panel: failing, why, and the exact evaluation it rests on.
  const drawer = page.getByRole("dialog", { name: /MEASURE 2\.7/ });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId("status-reason").first()).toContainText(/worst-case robust accuracy \d+\.\d% < 99% at Linf 0\.1 \(evaluation #\d+\)/);
  await expect(drawer.locator("[data-status=failing]").first()).toBeVisible();
  const evidence = drawer.getByRole("link", { name: /Evaluation #\d+: worst-case robust accuracy/ }).first();
  await expect(evidence).toBeVisible();
  await expect(drawer.getByRole("link", { name: /digits-cnn v\d+ \(sha256 [0-9a-f]{12}…\)/ }).first()).toBeVisible();
  await expect(drawer.getByText(/Statement from NIST AI Risk Management Framework 1\.0/)).toBeVisible();
  const href = await evidence.getAttribute("href");
  expect(href).toMatch(/^\/t\/demo\/evaluations\/\d+$/);
  await drawer.getByRole("link", { name: "Close" }).click();

  // A governance control no measurement can show: not assessed until attested.
  await page.goto("/t/demo/controls?fw=nist-ai-rmf&q=GOVERN%201.1");
  const row = page.locator('[data-control="nist-ai-rmf:GOVERN 1.1"]');
  await expect(row.locator("[data-status=not_assessed]")).toBeVisible();
  await row.getByRole("link", { name: "GOVERN 1.1" }).click();
  const gov = page.getByRole("dialog", { name: /GOVERN 1\.1/ });
  await expect(gov.getByTestId("status-reason").first()).toContainText("No reviewer has attested this control.");
  const form = gov.getByRole("form", { name: "Attest GOVERN 1.1" });
  await form.getByLabel("Statement").fill("Register of AI legal requirements LR-2026 reviewed with counsel on 2026-11-20; covers the EU AI Act and GDPR.");
  await form.getByLabel("Valid until").fill(inDays(90));
  await form.getByLabel("Files (optional)").setInputFiles({ name: "legal-register-review.txt", mimeType: "text/plain", buffer: Buffer.from("LR-2026 review minutes") });
  await form.getByRole("button", { name: "Attest control" }).click();
  await expect(form.getByText(`Attested until ${inDays(90)} with 1 file.`)).toBeVisible();
  await expect(gov.locator("[data-status=satisfied]").first()).toBeVisible();
  await expect(gov.getByText(/Attested by reviewer@demo\.bulwark\.local on \d{4}-\d{2}-\d{2}, valid until/).first()).toBeVisible();
  await expect(gov.getByRole("link", { name: "legal-register-review.txt" })).toBeVisible();
  await expect(row.locator("[data-status=satisfied]")).toBeVisible();

  // It is in the audit log.
  await page.goto("/t/demo/audit");
  await expect(page.getByRole("cell", { name: "attestation.create" }).first()).toBeVisible();
  await expect(page.getByRole("cell", { name: "policy.save" }).first()).toBeVisible();
  await signOut(page);

  // A viewer reads the same control but cannot attest, nor change the policy.
  await asUser(page, DEMO.VIEWER, `/t/demo/controls?fw=nist-ai-rmf&control=${encodeURIComponent("nist-ai-rmf:GOVERN 1.1")}`);
  const seen = page.getByRole("dialog", { name: /GOVERN 1\.1/ });
  await expect(seen.locator("[data-status=satisfied]").first()).toBeVisible();
  await expect(seen.getByText("Only compliance reviewers and admins can attest controls.")).toBeVisible();
  await expect(seen.getByRole("form", { name: /Attest/ })).toHaveCount(0);
  await expect(seen.getByRole("button", { name: "Revoke" })).toHaveCount(0);
  await page.goto("/t/demo/settings/policy");
  await expect(page.getByText("Only compliance reviewers and admins can change the policy.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save as new version" })).toHaveCount(0);
  await page.goto("/t/demo/risk");
  await expect(page.getByRole("heading", { name: "Model risk register" })).toBeVisible();
  await expect(page.locator('[data-model="digits-cnn"]')).toContainText(/failing/);
  await signOut(page);
});
