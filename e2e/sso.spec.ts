import { expect, test, type Browser } from "@playwright/test";
import { createUserWithCli } from "./helpers";
import { startOidcProvider } from "../test/oidc";

// Single sign-on in Chromium (issue 29) through a real OpenID provider (oidc-provider) that this spec starts on
// the port playwright.config.ts gave the app as its issuer. An engineer of the IdP group "sso-e2e-engineers"
// signs in for the first time: Bulwark makes the account and, from the group, an ENGINEER membership of the
// team "sso-e2e" (created here by the CLI); sign-out ends the session. Someone whose groups map to no team, and
// someone from another e-mail domain, get the error page naming why. Its own team and users only.

const run = Date.now().toString(36);
const ACCOUNTS = {
  eng: { email: `eng-${run}@acme.test`, email_verified: true, name: "Sam SSO", groups: ["sso-e2e-engineers"] },
  mkt: { email: `mkt-${run}@acme.test`, email_verified: true, name: "Max Marketing", groups: ["marketing"] },
  out: { email: `out-${run}@elsewhere.test`, email_verified: true, name: "Olga Outsider", groups: ["sso-e2e-engineers"] },
};

let idp: Awaited<ReturnType<typeof startOidcProvider>>;
test.beforeAll(async ({ baseURL }) => {
  idp = await startOidcProvider(
    [{ client_id: "bulwark-e2e", client_secret: "bulwark-e2e-client-secret", redirect_uris: [`${baseURL}/api/auth/callback/oidc`] }],
    ACCOUNTS,
    { port: Number(process.env.E2E_OIDC_PORT) },
  );
  // The mapped team exists (its first admin made with the CLI, as an operator would).
  createUserWithCli({ email: `sso-admin-${run}@acme.test`, team: "sso-e2e", role: "ADMIN", password: `sso-admin-${run}-pw` });
});
test.afterAll(async () => {
  await idp?.stop();
});

/** A fresh browser (no session at Bulwark or at the provider) signing in as `login` through the provider's form. */
async function ssoSignIn(browser: Browser, login: keyof typeof ACCOUNTS) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Continue with Acme SSO" }).click();
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.locator('button[type="submit"]').click();
  return { context, page };
}

test("signs in through the OpenID provider, gets the mapped team role, signs out; refusals are named", async ({ browser }) => {
  test.setTimeout(180_000);
  const { context, page } = await ssoSignIn(browser, "eng");
  await expect(page).toHaveURL(/\/t\/sso-e2e\/dashboard$/);
  await page.goto("/t/sso-e2e/settings/members");
  await expect(page.locator("body")).toContainText(ACCOUNTS.eng.email);
  await expect(page.getByRole("row", { name: new RegExp(ACCOUNTS.eng.email) })).toContainText(/engineer/i);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/t/sso-e2e/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);
  await context.close();

  for (const [login, heading, code] of [
    ["mkt", "None of your groups gives you a role in Bulwark", "group_not_mapped"],
    ["out", "Your e-mail domain is not allowed here", "domain_not_allowed"],
  ] as const) {
    const refused = await ssoSignIn(browser, login);
    await expect(refused.page).toHaveURL(new RegExp(`/sign-in/error\\?code=${code}$`));
    await expect(refused.page.getByRole("heading", { name: heading })).toBeVisible();
    await expect(refused.page.getByRole("link", { name: "Back to sign-in" })).toBeVisible();
    await refused.context.close();
  }
});
