import { expect, test } from "@playwright/test";
import { asUser, DEMO, openDraft, signIn, signOut } from "./helpers";
import { expectNoSeriousA11yViolations } from "./axe";

// Instance administration (issue 24): the demo admin, an instance administrator, creates a team in the UI
// and invites its first admin (a form error keeps every field; a taken address is refused naming it);
// that admin signs in to the empty team and sees its empty states. A reviewer they add gets a notice
// badge in the sidebar when asked to review, cleared by reading it. Everyone else finds no /admin at all.
// A unique team address per run, so other journeys are untouched.

test("an instance admin creates a team and its first admin, who signs in to the empty team; non-admins get no access", async ({ page, browser }, testInfo) => {
  test.setTimeout(420_000);
  const run = Date.now().toString(36);
  const slug = `risk-lab-${run}`;
  const firstAdmin = { email: `lead-${run}@risk-lab.example`, name: "Lena Lead", password: `lena-initial-${run}` };

  await asUser(page, DEMO.ADMIN, "/t/demo/dashboard");
  const instance = page.getByRole("navigation", { name: "Instance" });
  await instance.getByRole("link", { name: "Instance admin" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole("heading", { name: "Teams", level: 1 })).toBeVisible();
  await expect(page.locator('[data-team="demo"]')).toContainText(DEMO.ADMIN);

  const form = page.getByRole("form", { name: "Create a team" });
  const fill = async (teamSlug: string) => {
    await form.getByLabel("Team name").fill("Risk Lab");
    await form.getByLabel("Address").fill(teamSlug);
    await form.getByLabel("Admin e-mail").fill(firstAdmin.email);
    await form.getByLabel("Admin name").fill(firstAdmin.name);
    await form.getByLabel("Initial password").fill(firstAdmin.password);
  };
  const expectKept = async (teamSlug: string) => {
    await expect(form.getByLabel("Team name")).toHaveValue("Risk Lab");
    await expect(form.getByLabel("Address")).toHaveValue(teamSlug);
    await expect(form.getByLabel("Admin e-mail")).toHaveValue(firstAdmin.email);
    await expect(form.getByLabel("Admin name")).toHaveValue(firstAdmin.name);
    // The password is never echoed back to the page.
    await expect(form.getByLabel("Initial password")).toHaveValue("");
  };
  // A server-side error (an address with a leading hyphen passes the browser's pattern) keeps every field.
  await fill(`-${slug}`);
  await form.getByRole("button", { name: "Create team" }).click();
  await expect(form.getByText("Use 1–40 lowercase letters, digits or hyphens (not at the start or end)")).toBeVisible();
  await expectKept(`-${slug}`);
  // A taken address is refused naming it, nothing is stored.
  await fill("demo");
  await form.getByRole("button", { name: "Create team" }).click();
  await expect(form.getByText("A team with the address “demo” already exists: choose another.")).toBeVisible();
  await expect(form.getByText("Already taken")).toBeVisible();
  await expectKept("demo");
  await expectNoSeriousA11yViolations(page, testInfo, "/admin with a refused form");
  // At phone width the page does not scroll sideways (the table scrolls inside itself).
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 720 });
  await fill(slug);
  await form.getByRole("button", { name: "Create team" }).click();
  await expect(form.getByRole("status")).toContainText(`Team “Risk Lab” created. ${firstAdmin.email} is its admin`);
  const row = page.locator(`[data-team="${slug}"]`);
  await expect(row).toContainText("Risk Lab");
  await expect(row).toContainText(firstAdmin.email);
  await expect(row.locator("td").nth(2)).toHaveText("1");
  await signOut(page);

  // Non-admins: no link, and /admin answers like a page that does not exist; signed out, it asks to sign in.
  for (const who of [DEMO.REVIEWER, DEMO.VIEWER]) {
    await asUser(page, who, "/t/demo/dashboard");
    await expect(page.getByRole("link", { name: "Instance admin" })).toHaveCount(0);
    const res = await page.goto("/admin");
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(page.getByText("Risk Lab")).toHaveCount(0);
    await page.goto("/t/demo/dashboard");
    await signOut(page);
  }
  const anon = await browser.newContext();
  const anonPage = await anon.newPage();
  await anonPage.goto("/admin");
  await expect(anonPage).toHaveURL(/\/sign-in/);
  await anon.close();

  // The first admin signs in to the empty team: its dashboard and empty lists, and no instance admin link.
  await signIn(page, firstAdmin.email, firstAdmin.password);
  await expect(page).toHaveURL(new RegExp(`/t/${slug}/dashboard$`));
  await expect(page.getByRole("heading", { name: "Risk Lab", level: 1 })).toBeVisible();
  await expect(page.getByText("You are signed in as Admin of this team.")).toBeVisible();
  await expectNoSeriousA11yViolations(page, testInfo, "the new team's dashboard");
  await expect(page.getByRole("link", { name: "Instance admin" })).toHaveCount(0);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Models" }).click();
  await expect(page.getByRole("heading", { name: "No models registered yet" })).toBeVisible();
  await nav.getByRole("link", { name: "Datasets" }).click();
  await expect(page.getByRole("heading", { name: "No datasets yet" })).toBeVisible();
  await nav.getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { name: "No reports yet" })).toBeVisible();
  // Its audit log starts with its creation by the instance admin.
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByText("created the team").first()).toBeVisible();
  await expect(page.getByText(DEMO.ADMIN).first()).toBeVisible();

  // The notice badge: the new admin adds a reviewer and asks them to review a report.
  const reviewer = { email: `rev-${run}@risk-lab.example`, name: "Rob Reviewer", password: `rob-initial-${run}` };
  await nav.getByRole("link", { name: "Settings" }).click();
  const add = page.getByRole("form", { name: "Add a member" });
  await add.getByLabel("E-mail").fill(reviewer.email);
  await add.getByLabel("Name").fill(reviewer.name);
  await add.getByLabel("Role").selectOption("REVIEWER");
  await add.getByLabel("Initial password").fill(reviewer.password);
  await add.getByRole("button", { name: "Add member" }).click();
  await expect(add.getByText(`${reviewer.email} was added as reviewer.`)).toBeVisible();
  const { label } = await openDraft(page, `First posture ${run}`);
  const ask = page.getByRole("form", { name: `Ask for a review of ${label}` });
  await ask.getByLabel("Reviewer").selectOption({ label: `${reviewer.name} <${reviewer.email}>` });
  await ask.getByRole("button", { name: "Ask for review" }).click();
  await expect(ask.getByText(`was asked to review ${label}.`)).toBeVisible();
  await signOut(page);

  await signIn(page, reviewer.email, reviewer.password);
  const dashboardLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard (1 unread notice)" });
  await expect(dashboardLink).toBeVisible();
  await expect(page.getByTestId("notice-badge")).toHaveText("1");
  await expectNoSeriousA11yViolations(page, testInfo, "dashboard with the notice badge");
  // Reading the notice (opening the report) clears the badge, also after moving on without a reload.
  await page.getByRole("list", { name: "Notifications" }).getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: new RegExp(`^${label}: `) })).toBeVisible();
  // A refused request for changes (reason too short, checked by the server) keeps what was typed.
  const changes = page.getByRole("form", { name: `Request changes to ${label}` });
  await changes.evaluate((el) => ((el as HTMLFormElement).noValidate = true));
  await changes.getByLabel("What needs to change").fill("Too vague");
  await changes.getByRole("button", { name: "Request changes" }).click();
  await expect(changes.getByText("Say what needs to change (at least 10 characters)")).toBeVisible();
  await expect(changes.getByLabel("What needs to change")).toHaveValue("Too vague");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Controls" }).click();
  await expect(page.getByTestId("notice-badge")).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard", exact: true })).toBeVisible();
});
