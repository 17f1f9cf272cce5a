import { expect, type BrowserContext, type Locator, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { nodeArgs } from "../lib/process/entries";

export const DEMO_PASSWORD = "bulwark-demo-2026";
export const DEMO = {
  ADMIN: "admin@demo.bulwark.local",
  REVIEWER: "reviewer@demo.bulwark.local",
  ENGINEER: "engineer@demo.bulwark.local",
  VIEWER: "viewer@demo.bulwark.local",
} as const;
type DemoUser = (typeof DEMO)[keyof typeof DEMO];

/** Signs in through the real form and waits for the team dashboard. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/t\/[^/]+\/dashboard$/);
}

type Cookies = Parameters<BrowserContext["addCookies"]>[0];

/** A demo user's session cookies for this run, kept beside the run's database (the session names its users' ids). */
const sessionFile = (email: DemoUser) => join(process.env.E2E_DATA_DIR!, "e2e-sessions", `${email}.json`);

/**
 * Puts `page`'s browser context in a session of a demo user without going through the sign-in form again:
 * the first call for a user in the run signs in through the real form (signIn) and keeps the context's
 * cookies; later calls, in either lane, start from them. A full sign-in is a page, an argon2 check, redirects
 * and a dashboard; journeys about signing in keep calling signIn.
 * Then opens `path` if given (as signIn did, the dashboard: pass it where the journey goes on from there) and
 * checks it is that user's page. A journey that opens its own first page passes none.
 *
 * Sessions are JWTs with no server state, so a sign-out in one context leaves the same session valid in
 * another; only "sign out everywhere" or a new password ends them all. No journey may do either to a demo
 * user (security.spec.ts does it to users of its own).
 */
export async function asUser(page: Page, email: DemoUser, path?: string) {
  const context = page.context();
  const file = sessionFile(email);
  let saved: Cookies | undefined;
  try {
    saved = JSON.parse(readFileSync(file, "utf8")) as Cookies;
  } catch {
    saved = undefined;
  }
  // A session within the hour of its end (a data folder kept from an earlier run) is signed in afresh.
  if (!saved?.some((c) => c.name.endsWith("session-token") && (c.expires ?? 0) * 1000 > Date.now() + 3_600_000)) saved = undefined;
  await context.clearCookies();
  if (saved) await context.addCookies(saved);
  else {
    await signIn(page, email);
    mkdirSync(dirname(file), { recursive: true });
    // The other lane may write the same user's file at the same moment: whole files only.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(await context.cookies()));
    renameSync(tmp, file);
  }
  if (path === undefined) return;
  // After a sign-in through the form the page is on the dashboard already.
  if (saved || path !== "/t/demo/dashboard") await page.goto(path);
  await expect(page.getByTestId("user-email"), `signed in as ${email} (a kept session refused?)`).toHaveText(email);
}

/**
 * Waits until React has hydrated the element: it then carries React's props on the DOM node. A change made
 * before that (e.g. unticking a box the server rendered ticked) is undone when a controlled input hydrates.
 */
export async function waitForHydration(target: Locator) {
  await expect.poll(() => target.evaluate((el) => Object.keys(el).some((k) => k.startsWith("__reactProps$"))), { timeout: 30_000 }).toBe(true);
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

/**
 * Runs `npm run user -- create …` against the test server's database (the CLI a real admin uses), from its
 * bundle while fresh (the test server's start builds it): about 0.6 CPU-s less per user than through tsx.
 */
export function createUserWithCli(args: { email: string; team: string; role: string; password: string }) {
  execFileSync(process.execPath, [...nodeArgs("scripts/user.ts"), "create", "--email", args.email, "--team", args.team, "--role", args.role, "--password", args.password], {
    env: { ...process.env, BULWARK_DATA_DIR: process.env.E2E_DATA_DIR, BULWARK_PG_PORT: process.env.E2E_PG_PORT },
    stdio: "pipe",
  });
}

/** Generates a report from the Reports page, waits for its draft and opens it. */
export async function openDraft(page: Page, title: string): Promise<{ label: string; url: string }> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  const form = page.getByRole("form", { name: "New report" });
  await form.getByLabel("Title").fill(title);
  await form.getByRole("button", { name: "Generate report" }).click();
  const queued = form.getByText(/Report R-\d+ is being generated\./);
  await expect(queued).toBeVisible();
  const label = /R-\d+/.exec((await queued.textContent()) ?? "")![0];
  const row = page.locator(`[data-report="${label}"]`);
  await expect(row.locator("[data-status=draft]")).toBeVisible({ timeout: 180_000 });
  await row.getByRole("link", { name: label }).click();
  await expect(page.getByRole("heading", { name: `${label}: ${title}` })).toBeVisible();
  return { label, url: page.url() };
}

/** Creates an API token in the team's Settings (role as the form's default unless given); returns the secret, shown once. */
export async function createTokenInSettings(page: Page, team: string, name: string, role?: "ENGINEER" | "VIEWER" | "REVIEWER" | "ADMIN"): Promise<string> {
  await page.goto(`/t/${team}/settings/tokens`);
  const form = page.getByRole("form", { name: "Create an API token" });
  await form.getByLabel("Name").fill(name);
  if (role) await form.getByLabel("Role").selectOption(role);
  await form.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("token-secret").textContent())!.trim();
  expect(token).toMatch(/^bwk_/);
  return token;
}

/** Fills the New evaluation form for the demo's digits-cnn v1 on the evaluation digits (mnist-demo-eval). */
export async function fillDemoEvaluation(form: Locator, { samples, shardSize }: { samples: number; shardSize: number }) {
  await form.getByLabel("Model version").selectOption({ label: "digits-cnn v1 (limited risk)" });
  const evalOption = await form.getByLabel("Dataset version").locator("option", { hasText: "mnist-demo-eval" }).getAttribute("value");
  await form.getByLabel("Dataset version").selectOption(evalOption!);
  await form.getByLabel("Samples").fill(String(samples));
  await form.getByLabel("Shard size").fill(String(shardSize));
}

/** Fills a dataset card's provenance as the journeys do (collected by Playwright in 2026, no personal data). */
export async function fillDatasetProvenance(form: Locator, { description, source, licence }: { description: string; source: string; licence: string }) {
  await form.getByLabel("Description").fill(description);
  await form.getByLabel("Source").fill(source);
  await form.getByLabel("Collected by").fill("Playwright");
  await form.getByLabel("Collected when").fill("2026");
  await form.getByLabel("Licence (SPDX identifier)").fill(licence);
  await form.getByLabel("Contains personal data").selectOption("no");
}

/** A user of a new team of its own (nothing shared with other journeys), created with the CLI and signed in; returns the team's slug. */
export async function signInToFreshTeam(page: Page, prefix: string, role: "ADMIN" | "ENGINEER" | "REVIEWER" | "VIEWER"): Promise<string> {
  const team = `${prefix}-${randomBytes(3).toString("hex")}`;
  const email = `${role.toLowerCase()}-${team}@example.test`;
  const password = `${prefix}-${randomBytes(6).toString("hex")}`;
  createUserWithCli({ email, team, role, password });
  await signIn(page, email, password);
  return team;
}

/**
 * The first link in the page's main content whose path matches. Lists stream in after the page's load event
 * (a loading skeleton first), so this asks until one is there.
 */
export async function firstHref(page: Page, pattern: RegExp): Promise<string> {
  let href: string | undefined;
  await expect
    .poll(async () => {
      const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
      return (href = hrefs.find((h) => pattern.test(h)));
    }, { message: `a link matching ${pattern} on ${page.url()}` })
    .toBeTruthy();
  return href!;
}
