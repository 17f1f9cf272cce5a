import { expect, test } from "@playwright/test";
import { asUser, DEMO, openDraft, signOut } from "./helpers";

// The review step of a report (issue 24): an engineer asks a named reviewer; the reviewer finds it under
// "Awaiting my review", reads the preview and requests changes with a reason; the engineer sees the reason
// (notice and report page) and revises; the reviewer approves the revision with a comment. Its own report
// with a unique title, so other journeys' reports are untouched.

const REVIEWER = `Rey Reviewer <${DEMO.REVIEWER}>`;

test("a reviewer requests changes with a reason the engineer sees; the revision is approved with a comment", async ({ page }, testInfo) => {
  test.setTimeout(480_000);
  const title = `Review journey ${Date.now().toString(36)}`;
  await asUser(page, DEMO.ENGINEER, "/t/demo/dashboard");
  const { label, url } = await openDraft(page, title);
  // The author cannot approve, and asks a named reviewer.
  await expect(page.getByRole("form", { name: `Approve ${label}` })).toHaveCount(0);
  const ask = page.getByRole("form", { name: `Ask for a review of ${label}` });
  await ask.getByLabel("Reviewer").selectOption({ label: REVIEWER });
  await ask.getByRole("button", { name: "Ask for review" }).click();
  await expect(ask.getByText(`${REVIEWER} was asked to review ${label}.`)).toBeVisible();
  await expect(page.getByTestId("reviewer")).toContainText(REVIEWER);
  await signOut(page);

  // The reviewer: the dashboard lists it, the page previews the draft, changes are requested with a reason.
  await asUser(page, DEMO.REVIEWER, "/t/demo/dashboard");
  const awaiting = page.getByRole("list", { name: "Reports awaiting my review" });
  await expect(awaiting.locator(`[data-awaiting="${label}"]`)).toContainText(title);
  await expect(page.getByRole("list", { name: "Notifications" })).toContainText(`${DEMO.ENGINEER} asks you to review ${label}`);
  await awaiting.getByRole("link", { name: label }).click();
  await expect(page).toHaveURL(url);
  const preview = page.getByTestId("report-preview");
  await expect(preview.getByText("1 Executive summary")).toBeVisible();
  await expect(preview.getByRole("table", { name: "Posture per framework" })).toContainText("NIST AI RMF");
  await page.screenshot({ path: testInfo.outputPath("review-draft.png"), fullPage: true });
  const changes = page.getByRole("form", { name: `Request changes to ${label}` });
  // A reason is required (the browser asks before sending; the server refuses under 10 characters too).
  await expect(changes.getByLabel("What needs to change")).toHaveAttribute("required", "");
  const reason = "Limit the scope to the v2 model and regenerate after its evaluation.";
  await changes.getByLabel("What needs to change").fill(reason);
  await changes.getByRole("button", { name: "Request changes" }).click();
  await expect(page.getByTestId("changes-reason")).toHaveText(reason);
  await expect(page.locator("[data-status=changes_requested]").first()).toBeVisible();
  await expect(page.getByRole("form", { name: `Approve ${label}` })).toHaveCount(0);
  await signOut(page);

  // The engineer sees the reason (notice and page) and revises.
  await asUser(page, DEMO.ENGINEER, "/t/demo/dashboard");
  const notice = page.getByRole("list", { name: "Notifications" }).locator('[data-notice="report.changes_requested"]').filter({ hasText: label });
  await expect(notice).toContainText(reason);
  await notice.getByRole("link").click();
  await expect(page.getByTestId("changes-requested")).toContainText(`Changes requested by ${DEMO.REVIEWER}`);
  await expect(page.getByTestId("changes-reason")).toHaveText(reason);
  await expect(page.getByRole("list", { name: "Report history" })).toContainText(reason);
  await page.screenshot({ path: testInfo.outputPath("review-changes-requested.png"), fullPage: true });
  const revise = page.getByRole("form", { name: `Revise ${label}` });
  await revise.getByLabel("Title of the revision").fill(`${title} (revised)`);
  await revise.getByRole("button", { name: "Revise and regenerate" }).click();
  await expect(page.getByText(`This report revises ${label}`)).toBeVisible();
  const revisedHeading = page.getByRole("heading", { level: 1 });
  await expect(revisedHeading).toContainText(`${title} (revised)`);
  const revised = /R-\d+/.exec((await revisedHeading.textContent()) ?? "")![0];
  await expect(page.locator("[data-status=draft]").first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId("reviewer")).toContainText(REVIEWER);
  const revisedUrl = page.url();
  await signOut(page);

  // The reviewer approves the revision with a comment.
  await asUser(page, DEMO.REVIEWER, revisedUrl);
  const approve = page.getByRole("form", { name: `Approve ${revised}` });
  const comment = "Scope fixed; approved for the quarterly pack.";
  await approve.getByLabel("Comment").fill(comment);
  await approve.getByRole("button", { name: `Approve ${revised}` }).click();
  await expect(page.getByTestId("approval-comment")).toHaveText(comment);
  await expect(page.getByTestId("approved-by")).toContainText(DEMO.REVIEWER);
  await expect(page.getByRole("list", { name: "Report history" })).toContainText(comment);
  await page.screenshot({ path: testInfo.outputPath("review-approved.png"), fullPage: true });
  // Both decisions are in the audit log, in words.
  await page.goto(`/t/demo/audit?action=report.&actor=${encodeURIComponent(DEMO.REVIEWER)}`);
  await expect(page.getByTestId("event-summary").filter({ hasText: `requested changes to Report ${label}` })).toContainText(reason);
  await expect(page.getByTestId("event-summary").filter({ hasText: `approved Report ${revised}` })).toContainText(comment);
});
