import { expect, test } from "@playwright/test";
import { signInToFreshTeam } from "./helpers";
import { expectNoSeriousA11yViolations } from "./axe";

// Bulk attestation (issue 24): a reviewer of a fresh team (so no other journey's controls change) saves a
// team template, ticks 10 governance controls, fills the form from the template and attests all 10 at once;
// the controls turn satisfied, each with its own attestation. The control drawer is a keyboard-usable dialog:
// the attestation form first, Escape closes it and focus returns to the row. The template is then deleted.

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

test("a reviewer attests 10 controls at once from a team template", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const team = await signInToFreshTeam(page, "bulk", "REVIEWER");

  await page.goto(`/t/${team}/controls?fw=nist-ai-rmf&q=GOVERN`);
  const bulk = page.getByTestId("bulk-attest");
  await bulk.getByText("Attest several controls at once").click();

  // A team template.
  const tplForm = bulk.getByRole("form", { name: "New attestation template" });
  await tplForm.getByLabel("Template name").fill("Quarterly governance pack");
  await tplForm.getByLabel("Valid for (days)").fill("90");
  await tplForm.getByLabel("Template statement").fill("Governance pack GP-7 reviewed with the risk committee; minutes in the GRC system.");
  await tplForm.getByLabel("Template evidence link (optional)").fill("https://grc.example.test/packs/GP-7");
  await tplForm.getByRole("button", { name: "Save template" }).click();
  await expect(tplForm.getByText('Template "Quarterly governance pack" saved.')).toBeVisible();
  await expect(bulk.getByRole("list", { name: "Attestation templates" }).getByText("Quarterly governance pack")).toBeVisible();

  // Ten controls ticked in the list.
  const rows = page.locator("[data-control]");
  const keys = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-control")!))).slice(0, 10);
  expect(keys).toHaveLength(10);
  for (const k of keys) await page.locator(`[data-control="${k}"]`).getByRole("checkbox").check();
  await expect(bulk.getByTestId("bulk-count")).toHaveText("10 controls selected");

  const form = bulk.getByRole("form", { name: "Bulk attestation" });
  await form.getByLabel("Start from a template").selectOption({ label: "Quarterly governance pack (90 days)" });
  await expect(form.getByLabel("Statement")).toHaveValue(/Governance pack GP-7/);
  await expect(form.getByLabel("Valid until")).toHaveValue(inDays(90));
  await expect(form.getByLabel("Evidence link (optional)")).toHaveValue("https://grc.example.test/packs/GP-7");
  await expectNoSeriousA11yViolations(page, testInfo, "controls with the bulk form");
  await form.getByRole("button", { name: "Attest 10 selected controls" }).click();
  await expect(form.getByText(`Attested 10 controls until ${inDays(90)}.`)).toBeVisible();
  await expect(bulk.getByTestId("bulk-count")).toHaveText("0 controls selected");
  // Each now rests on an attestation (satisfied, or partial where mapped evidence is still missing).
  for (const k of keys) await expect(page.locator(`[data-control="${k}"] [data-status]`)).not.toHaveAttribute("data-status", "not_assessed");
  await expect(page.locator("[data-control] [data-status=satisfied]").first()).toBeVisible();

  // One control's drawer: its own attestation with the link; the form first; Escape closes; focus returns.
  const row = page.locator(`[data-control="${keys[3]}"]`);
  const id = keys[3]!.split(":")[1]!;
  await row.getByRole("link", { name: id, exact: true }).click();
  const drawer = page.getByRole("dialog", { name: new RegExp(id.replace(/\./g, "\\.")) });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole("link", { name: "https://grc.example.test/packs/GP-7" })).toBeVisible();
  await expect(drawer.getByText(/attested with other controls in one batch/)).toBeVisible();
  const sectionOrder = await drawer.locator("h3").allTextContents();
  expect(sectionOrder[0]).toBe("Attest this control");
  // Tab stays inside the dialog.
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press("Tab");
    expect(await drawer.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await expectNoSeriousA11yViolations(page, testInfo, "control drawer");
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await expect(row.getByRole("link", { name: id, exact: true })).toBeFocused();

  // The template is deleted.
  if (!(await bulk.evaluate((d) => (d as HTMLDetailsElement).open))) await bulk.getByText("Attest several controls at once").click();
  await bulk.getByRole("form", { name: "Delete template Quarterly governance pack" }).getByRole("button", { name: "Delete" }).click();
  await expect(bulk.getByText("No template yet.")).toBeVisible();
});
