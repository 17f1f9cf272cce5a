import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { asUser, DEMO, signOut } from "./helpers";

// The audit report journey on the demo team: an engineer generates a report (a worker renders it), a
// reviewer approves it and downloads the approved PDF, and an auditor (viewer) verifies the downloaded
// file — and sees a file with one changed byte fail.

test("an engineer generates a report, a reviewer approves and downloads it, an auditor verifies the file", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await asUser(page, DEMO.ENGINEER, "/t/demo/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
  const form = page.getByRole("form", { name: "New report" });
  await form.getByLabel("Title").fill("Demo robustness audit");
  await expect(form.getByLabel("NIST AI RMF")).toBeChecked();
  await form.getByRole("button", { name: "Generate report" }).click();
  const queued = form.getByText(/Report R-\d+ is being generated\./);
  await expect(queued).toBeVisible();
  const label = /R-\d+/.exec((await queued.textContent()) ?? "")![0];

  // The list shows it; the worker turns it into a draft (the page refreshes itself while it works).
  const row = page.locator(`[data-report="${label}"]`);
  await expect(row).toContainText("Demo robustness audit");
  await expect(row.locator("[data-status=draft]")).toBeVisible({ timeout: 180_000 });
  await expect(row).toContainText(DEMO.ENGINEER);
  await expect(row).toContainText(/snapshot [0-9a-f]{12}…/);
  await page.screenshot({ path: testInfo.outputPath("reports-list.png"), fullPage: true });
  await row.getByRole("link", { name: label }).click();
  await expect(page.getByRole("heading", { name: new RegExp(`${label}: Demo robustness audit`) })).toBeVisible();
  await expect(page.getByRole("form", { name: new RegExp(`Approve ${label}`) })).toHaveCount(0);
  const reportUrl = page.url();
  await signOut(page);

  // The reviewer approves the draft and downloads the approved edition.
  await asUser(page, DEMO.REVIEWER, reportUrl);
  const snapshotSha = (await page.getByTestId("snapshot-sha").textContent())!.trim();
  expect(snapshotSha).toMatch(/^[0-9a-f]{64}$/);
  await page.getByRole("form", { name: `Approve ${label}` }).getByRole("button", { name: `Approve ${label}` }).click();
  // The page re-renders as approved (the approval form is gone).
  await expect(page.locator("[data-status=approved]").first()).toBeVisible();
  await expect(page.getByRole("form", { name: `Approve ${label}` })).toHaveCount(0);
  await expect(page.getByTestId("approved-by")).toContainText(DEMO.REVIEWER);
  const approvedSha = (await page.getByTestId("approved-sha").textContent())!.trim();
  expect(approvedSha).toMatch(/^[0-9a-f]{64}$/);
  await page.screenshot({ path: testInfo.outputPath("report-detail.png"), fullPage: true });
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download approved PDF" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`bulwark-demo-${label}-approved\\.pdf`));
  const file = testInfo.outputPath("approved.pdf");
  await download.saveAs(file);
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(approvedSha);

  // The approval is in the audit log.
  await page.goto("/t/demo/audit?action=report.");
  await expect(page.getByRole("cell", { name: "report.approve" }).first()).toBeVisible();
  await signOut(page);

  // The auditor verifies the downloaded file, then a copy with one byte changed.
  await asUser(page, DEMO.VIEWER, "/t/demo/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("form", { name: "New report" })).toHaveCount(0);
  await page.getByRole("link", { name: "Verify a PDF" }).click();
  const verify = page.getByRole("form", { name: "Verify a report" });
  await verify.getByLabel("PDF file").setInputFiles(file);
  await verify.getByRole("button", { name: "Verify" }).click();
  const result = page.getByTestId("verify-result");
  await expect(result.getByTestId("verify-verdict")).toHaveText("Matches a recorded report");
  await expect(result).toContainText(`approved edition of ${label}`);
  await expect(result).toContainText(DEMO.REVIEWER);
  await expect(result).toContainText(snapshotSha);
  await expect(result.getByTestId("verify-chain")).toContainText("intact");
  await page.screenshot({ path: testInfo.outputPath("verify-match.png"), fullPage: true });

  const tampered = Buffer.from(bytes);
  tampered[Math.floor(tampered.length / 2)]! ^= 0x01;
  const tamperedFile = testInfo.outputPath("tampered.pdf");
  await writeFile(tamperedFile, tampered);
  await verify.getByLabel("PDF file").setInputFiles(tamperedFile);
  await verify.getByRole("button", { name: "Verify" }).click();
  await expect(result.getByTestId("verify-verdict")).toHaveText("Does not match any report");
  await expect(result).toContainText("This file does not match any report of this team.");
  await page.screenshot({ path: testInfo.outputPath("verify-tampered.png"), fullPage: true });
});
