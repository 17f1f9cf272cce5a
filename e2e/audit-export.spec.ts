import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { asUser, DEMO } from "./helpers";

// The read-only auditor takes the audit log out (issue 24): filters it, exports CSV and JSON Lines from the
// page, and the JSON Lines file verifies with the documented command (npm run audit:verify); a copy with
// one changed character fails naming the event. Reads only: nothing in the demo team changes.

const verify = (file: string) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts", file], { encoding: "utf8", stdio: "pipe" }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
};

test("the auditor filters the audit log, exports it, and the export verifies offline", async ({ page }, testInfo) => {
  await asUser(page, DEMO.VIEWER, "/t/demo/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");
  // Readable events with linked subjects; details unfold.
  const first = page.getByRole("table", { name: "Audit events" }).getByRole("row").nth(1);
  await first.getByText("Details and hash").click();
  await expect(first.locator("pre")).toBeVisible();

  const filters = page.getByRole("form", { name: "Filter events" });
  await filters.getByLabel("Action").selectOption("member.add");
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=member\.add/);
  await expect(page.getByTestId("event-summary").first()).toContainText("added a member");
  await page.screenshot({ path: testInfo.outputPath("audit-filtered.png"), fullPage: true });

  const downloadOf = async (name: string) => {
    const waiting = page.waitForEvent("download");
    await page.getByRole("link", { name }).click();
    const d = await waiting;
    const file = testInfo.outputPath(d.suggestedFilename());
    await d.saveAs(file);
    return { file, name: d.suggestedFilename() };
  };
  // The journeys beside this one and the demo's evaluations add events to the team while it runs: each export
  // must carry the chain head and the events of the moment it was made. So the page's head and count are read
  // before and after the two exports, and the exports are checked against them when nothing landed in between.
  const pageState = async () => ({
    head: (await page.getByTestId("chain-head").textContent())!.trim(),
    count: Number(/^(\d+)/.exec((await page.getByTestId("audit-count").textContent()) ?? "")![1]),
  });
  let state = await pageState();
  let csv: { file: string; name: string }, jsonl: { file: string; name: string };
  for (let attempt = 1; ; attempt++) {
    csv = await downloadOf("Export CSV");
    jsonl = await downloadOf("Export JSON Lines");
    await page.reload();
    const after = await pageState();
    if (after.head === state.head && after.count === state.count) break;
    expect(attempt, "the team's audit log kept moving during five export attempts").toBeLessThan(5);
    state = after;
  }
  const { head, count } = state;
  expect(head).toMatch(/^[0-9a-f]{64}$/);
  expect(count).toBeGreaterThan(0);
  expect(csv.name).toMatch(/^bulwark-demo-audit-\d{8}-\d{6}-filtered\.csv$/);
  const rows = (await readFile(csv.file, "utf8")).trim().split("\r\n");
  expect(rows).toHaveLength(count + 1);
  expect(rows[0]).toContain('"hash","chain_head"');
  expect(rows[1]).toContain(`"${head}"`);

  const text = await readFile(jsonl.file, "utf8");
  const lines = text.trim().split("\n");
  expect(JSON.parse(lines[0]!)).toMatchObject({ filters: { action: "member.add" }, chain: { intact: true, head }, events: count });
  const ok = verify(jsonl.file);
  expect(ok.code, ok.out).toBe(0);
  expect(ok.out).toContain(`OK: Verified ${count} events of team demo (filtered: action=member.add)`);

  // One changed character in the first event: the command names it.
  const firstSeq = (JSON.parse(lines[1]!) as { seq: number }).seq;
  const tampered = testInfo.outputPath("tampered.jsonl");
  await writeFile(tampered, [lines[0], lines[1]!.replace("@demo.bulwark.local", "@evil.example"), ...lines.slice(2)].join("\n") + "\n");
  const bad = verify(tampered);
  expect(bad.code).toBe(1);
  expect(bad.out).toContain(`FAILED: Event #${firstSeq} (line 2) was changed: its hash does not match its content.`);
});
