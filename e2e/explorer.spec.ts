import { expect, test, type Page } from "@playwright/test";
import { asUser, DEMO } from "./helpers";

// Issue 32: a viewer opens the Explore view of digits-cnn, runs PGD L∞ at ε 0.1 in the browser on an example the
// demo evaluation of v1 recorded as broken and sees the stored adversarial label; on v2 the same example survives.
// Every request the page makes stays on the app's origin. Reads the demo team only.

async function openExplorer(page: Page, modelUrl: string, version: number) {
  // The demo evaluations are queued at the first start: wait until the version's one has completed.
  const filter = page.getByLabel(/Show examples that evaluation #\d+ recorded as/);
  for (let tries = 0; tries < 120; tries++) {
    await page.goto(`${modelUrl}/explore?v=${version}`);
    await expect(page.getByRole("heading", { name: `Explore digits-cnn v${version}` })).toBeVisible();
    await expect(page.getByRole("button", { name: "Run attack" })).toBeVisible();
    if (await filter.count()) return filter;
    await page.waitForTimeout(5_000);
  }
  throw new Error(`no completed evaluation of digits-cnn v${version}`);
}

async function runAndRead(page: Page) {
  await expect(page.getByRole("img", { name: /^Original input/ })).toBeVisible();
  await page.getByRole("button", { name: "Run attack" }).click();
  await expect(page.getByTestId("live-adv-label")).toBeVisible({ timeout: 90_000 });
  return { live: await page.getByTestId("live-adv-label").innerText(), stored: await page.getByTestId("stored-adv-label").innerText(), table: await page.getByTestId("record-comparison").innerText() };
}

test("a viewer runs PGD in the browser: v1's recorded break reproduces, v2 survives, nothing leaves the origin", async ({ page, baseURL }, testInfo) => {
  test.setTimeout(600_000);
  const origin = new URL(baseURL!).origin;
  const elsewhere: string[] = [];
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith("data:") && !u.startsWith("blob:") && new URL(u).origin !== origin) elsewhere.push(u);
  });
  await asUser(page, DEMO.VIEWER, "/t/demo/models");
  await page.getByRole("link", { name: "digits-cnn", exact: true }).click();
  await expect(page).toHaveURL(/\/t\/demo\/models\/[^/?]+/);
  await expect(page.getByRole("heading", { name: "digits-cnn", exact: true })).toBeVisible();
  const modelUrl = page.url().split("?")[0];

  // The examples v2's evaluation recorded as surviving PGD L∞ at ε 0.1.
  let filter = await openExplorer(page, modelUrl, 2);
  await expect(page.getByLabel("Attack")).toHaveValue("pgd-linf");
  await expect(page.getByTestId("eps-value")).toHaveText("0.1");
  await filter.selectOption("survived");
  const example = page.getByLabel(/^Example \(\d+\)/);
  const survivors = (await example.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).filter(Boolean);
  expect(survivors.length).toBeGreaterThan(0);

  // On v1, one of them that v1's evaluation recorded as broken.
  filter = await openExplorer(page, modelUrl, 1);
  await filter.selectOption("broken");
  const broken = (await example.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).filter(Boolean);
  const index = broken.find((i) => survivors.includes(i));
  expect(index, "an example broken on v1 and surviving on v2").toBeDefined();
  await example.selectOption(index!);
  const v1 = await runAndRead(page);
  expect(v1.live).toBe(v1.stored);
  expect(v1.table).toMatch(/Outcome\s+broken\s+broken/);
  await expect(page.getByRole("img", { name: /^Adversarial input/ })).toBeVisible();
  await expect(page.getByRole("img", { name: "Loss over PGD steps" })).toBeVisible();
  await expect(page.getByTestId("why-panel").getByRole("link", { name: /^#\d+$/ })).toBeVisible();

  // The same example on v2, typed by index (keyboard only from the field to the button).
  await openExplorer(page, modelUrl, 2);
  await page.getByLabel("Or any example index").fill(index!);
  await page.getByLabel("Or any example index").press("Enter");
  const v2 = await runAndRead(page);
  expect(v2.table).toMatch(/Outcome\s+survived\s+survived/);
  expect(v2.live).toBe(v2.stored);
  await testInfo.attach("explorer at 1280 px", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });

  // A 390 px phone: the result stays readable without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  await testInfo.attach("explorer at 390 px", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

  expect(elsewhere).toEqual([]);
});
