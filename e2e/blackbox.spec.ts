import { spawn, type ChildProcess } from "node:child_process";
import { expect, test } from "@playwright/test";
import { asUser, DEMO, signOut } from "./helpers";

// Journey (issue #14): an admin allows a host, an engineer registers a model that is only reachable over
// HTTP, tests the connection, sees the query cost, runs a black-box evaluation and reads its threat model.
// The credential is typed once and never shown again.

const TOKEN = "e2e-vendor-token-5Jq2Lw9Rx";
let server: ChildProcess;
let url = "";

test.beforeAll(async () => {
  server = spawn(process.execPath, ["--import", "tsx", "e2e/scripts/model-server.ts", TOKEN], { stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    server.once("exit", (c) => reject(new Error(`model server exited (${c})`)));
  });
});
test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("a model served over HTTP: allowlist, registration, test connection, black-box evaluation", async ({ page }) => {
  test.setTimeout(300_000);
  await asUser(page, DEMO.ADMIN, "/t/demo/settings/outbound");
  const add = page.getByRole("form", { name: "Add an outbound host" });
  await add.getByLabel("Host", { exact: true }).fill("localhost");
  await add.getByLabel("Ports", { exact: true }).fill(new URL(url).port);
  await add.getByLabel(/Allow private addresses/).check();
  await add.getByRole("button", { name: "Add host" }).click();
  await expect(add.getByText(`localhost added, port ${new URL(url).port} (private addresses allowed for this host).`)).toBeVisible();
  await expect(page.getByRole("table", { name: "Outbound hosts" }).getByRole("row", { name: /localhost/ })).toContainText("allowed");
  await page.screenshot({ path: "test-results/blackbox-outbound.png", fullPage: true });
  await signOut(page);

  await asUser(page, DEMO.ENGINEER, "/t/demo/models");
  await page.getByRole("link", { name: "Register an HTTP endpoint" }).click();
  const form = page.getByRole("form", { name: "Register a model served over HTTP" });
  await form.getByLabel("Model name").fill("digits-api");
  await form.getByLabel("Weights this endpoint serves (optional)").selectOption({ label: "digits-cnn v1" });
  await form.getByLabel("URL", { exact: true }).fill(`${url}/v1/scores`);
  await form.getByLabel("Token", { exact: true }).fill(TOKEN);
  await form.getByLabel("Inputs per request").fill("32");
  await form.getByLabel("Rate limit (requests per second)").fill("200");
  await form.getByLabel("Requests at once").fill("4");
  await form.getByLabel("Input shape (one sample)").fill("28,28,1");
  await form.getByLabel(/Class labels/).fill("0, 1, 2, 3, 4, 5, 6, 7, 8, 9");
  await form.getByLabel("Risk tier").selectOption("limited");
  await form.getByLabel("Owner").fill("Vendor integrations");
  await form.getByLabel("Intended use").fill("Digits read by a vendor API");
  await form.getByLabel("Out-of-scope use").fill("Anything else");
  await page.screenshot({ path: "test-results/blackbox-register.png", fullPage: true });
  await form.getByRole("button", { name: "Register endpoint" }).click();

  await expect(page).toHaveURL(/\/models\/[^/?]+\?v=1$/);
  await expect(page.getByText("Endpoint (black-box: queried, never loaded)")).toBeVisible();
  await expect(page.getByText("Bearer token — stored encrypted, never shown")).toBeVisible();
  const test_ = page.getByRole("form", { name: "Test the connection" });
  const evalOption = await test_.getByLabel("Dataset version").locator("option", { hasText: "mnist-demo-eval" }).getAttribute("value");
  await test_.getByLabel("Dataset version").selectOption(evalOption!);
  await test_.getByRole("button", { name: "Test connection" }).click();
  await expect(test_.getByText(/^Connected: 8 of 8 answers are declared classes \(class scores\)/)).toBeVisible();
  await page.screenshot({ path: "test-results/blackbox-model.png", fullPage: true });
  expect(await page.content()).not.toContain(TOKEN);

  await page.goto("/t/demo/evaluations/new");
  const ev = page.getByRole("form", { name: "New evaluation" });
  await ev.getByLabel("Model version").selectOption({ label: "digits-api v1 (limited risk)" });
  await ev.getByLabel("Dataset version").selectOption(evalOption!);
  await ev.getByLabel("Samples").fill("20");
  // Includes one replay query per attack and ε: every counted break is asked again before it counts.
  await expect(ev.getByTestId("estimate")).toContainText("At most 18,440 queries");
  await ev.getByText("Custom", { exact: true }).click();
  await ev.getByLabel("Custom suite (JSON)").fill(JSON.stringify({ sanityCheck: false, epsilons: { linf: [0.1] }, attacks: [{ kind: "square", norm: "linf", queries: 100 }, { kind: "noise", norm: "linf", distribution: "uniform", draws: 5 }] }));
  await ev.getByLabel("Shard size").fill("20");
  await ev.getByRole("button", { name: "Launch evaluation" }).click();
  await expect(page).toHaveURL(/\/evaluations\/\d+$/);
  await expect(page.getByTestId("evaluation-status").first()).toHaveText("Completed", { timeout: 180_000 });
  await expect(page.getByTestId("threat-model")).toContainText("Black-box: the model was only queried over HTTP at localhost:");
  await expect(page.getByTestId("threat-model")).toContainText("square-linf-100 100");
  await page.screenshot({ path: "test-results/blackbox-results.png", fullPage: true });
  expect(await page.content()).not.toContain(TOKEN);
});
