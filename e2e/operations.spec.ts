import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { asUser, DEMO, signOut } from "./helpers";

// Operations journey on the demo team: a reviewer promotes the robust model (v2) through the gate, a
// simulated week of production traffic (npm run demo:traffic, posting over the API) switches to v1 under
// an override and then drifts, the reviewer acknowledges the drift alert, an engineer rolls production back
// to the last version that passed the gate; each decision is in the audit log.

const env = { ...process.env, BULWARK_DATA_DIR: process.env.E2E_DATA_DIR, BULWARK_PG_PORT: process.env.E2E_PG_PORT };

test("promote through the gate, drift alert from traffic, acknowledge, one-step rollback, audit log", async ({ page, baseURL }) => {
  test.setTimeout(600_000);
  const { modelId } = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "e2e/scripts/operations-setup.ts"], { env, stdio: ["ignore", "pipe", "pipe"] }).toString().trim().split("\n").at(-1)!) as { modelId: string };

  await asUser(page, DEMO.REVIEWER, "/t/demo/dashboard");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations" }).click();
  await page.getByRole("link", { name: "digits-cnn", exact: true }).click();
  await expect(page.getByRole("heading", { name: "digits-cnn: deployments" })).toBeVisible();
  // The demo models' seeded evaluations run on the worker after the first start: wait for v2's.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(/^v2 gate passes/)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 480_000, intervals: [5_000] });

  const promote = page.getByRole("form", { name: "Promote a version" });
  await promote.getByLabel("Version").selectOption({ label: "v2 — gate passes" });
  await promote.getByLabel("Environment").selectOption("production");
  await promote.getByLabel("Note (optional)").fill("Robust model to production");
  await promote.getByRole("button", { name: "Promote" }).click();
  await expect(promote.getByText("Promoted to production: the gate passed.")).toBeVisible();
  await expect(page.getByTestId("runs-production")).toHaveText("v2");

  // A week of traffic, posted over the API by the example client (summaries only, few batches: the
  // attack-pattern signal on raw samples is covered by lib/operations/monitoring.integration.test.ts).
  const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/demo-traffic.ts", "--url", baseURL!, "--per-day", "3", "--batch", "150", "--samples", "0", "--no-rollback"], { env, stdio: ["ignore", "pipe", "pipe"] }).toString();
  expect(out).toMatch(/\[(warning|critical)\] input-drift/);

  await page.reload();
  await expect(page.getByTestId("runs-production")).toHaveText("v1");
  await page.getByRole("row", { name: /production/ }).getByRole("link", { name: "Monitoring" }).click();
  await expect(page.getByRole("heading", { name: "digits-cnn in production: monitoring" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Population stability index per batch" })).toBeVisible();
  const drift = page.getByTestId("open-alert").filter({ hasText: "Input drift" });
  await expect(drift).toHaveCount(1);
  await drift.getByLabel("What was decided").fill("Scanner exposure changed after the switch; roll back to the robust model");
  await drift.getByRole("button", { name: "Acknowledge" }).click();
  await expect(drift.getByText(`Acknowledged by ${DEMO.REVIEWER}`)).toBeVisible();
  await signOut(page);

  await asUser(page, DEMO.ENGINEER, `/t/demo/operations/${modelId}`);
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Roll back production to v2" }).click();
  await expect(page.getByText("production rolled back from v1 to v2.")).toBeVisible();
  await expect(page.getByTestId("runs-production")).toHaveText("v2");

  // The audit log: promotion by the reviewer, the override and switch, the alert and its acknowledgement, the rollback by the engineer.
  await page.goto("/t/demo/audit?action=deployment.");
  const rows = page.getByRole("table");
  await expect(rows.getByRole("row").filter({ hasText: "deployment.rollback" }).filter({ hasText: DEMO.ENGINEER })).toHaveCount(1);
  await expect(rows.getByRole("row").filter({ hasText: "deployment.promote" }).filter({ hasText: DEMO.REVIEWER })).toHaveCount(1);
  await expect(rows.getByRole("row").filter({ hasText: "deployment.override" })).toHaveCount(1);
  await page.goto("/t/demo/audit?action=monitoring.alert.");
  await expect(page.getByRole("table").getByRole("row").filter({ hasText: "monitoring.alert.acknowledge" }).filter({ hasText: DEMO.REVIEWER })).toHaveCount(1);
  await expect(page.getByRole("table").getByRole("row").filter({ hasText: "monitoring.alert.open" }).first()).toBeVisible();
});
