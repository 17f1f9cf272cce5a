import { expect, test } from "@playwright/test";
import { DEMO, DEMO_PASSWORD } from "./helpers";

// A link opened while signed out (from a webhook or a chat) leads there after signing in; a link that
// points elsewhere is dropped for the dashboard.
async function signInHere(page: import("@playwright/test").Page) {
  await page.getByLabel("E-mail").fill(DEMO.VIEWER);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a deep link survives sign-in, an off-site one does not", async ({ page }) => {
  await page.goto("/t/demo/audit?action=report.");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Fdemo%2Faudit%3Faction%3Dreport\.$/);
  await signInHere(page);
  await expect(page).toHaveURL(/\/t\/demo\/audit\?action=report\.$/);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  // Signed in already: the sign-in page forwards to a safe target at once.
  await page.goto("/sign-in?callbackUrl=%2Ft%2Fdemo%2Fmodels");
  await expect(page).toHaveURL(/\/t\/demo\/models$/);

  await page.context().clearCookies();
  for (const target of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
    await page.goto(`/sign-in?callbackUrl=${encodeURIComponent(target)}`);
    await signInHere(page);
    await expect(page).toHaveURL(/\/t\/demo\/dashboard$/);
    await page.context().clearCookies();
  }
});
