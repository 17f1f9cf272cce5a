import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type APIResponse, type BrowserContext, type Page } from "@playwright/test";
import { asUser, createTokenInSettings, createUserWithCli, DEMO, firstHref, signIn } from "./helpers";
import { nodeArgs } from "../lib/process/entries";

// Security of the running app: headers and CSP on every kind of response and no CSP violation on the
// main pages; CSRF refusals (server actions, upload route, next-auth); sign out everywhere; uploads
// downloaded as attachments; and no secret in the server's output.

const EVIL = "http://evil.example";

function expectSecurityHeaders(res: APIResponse, { nonce }: { nonce: boolean }) {
  const h = res.headers();
  const csp = h["content-security-policy"] ?? "";
  expect(csp, res.url()).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'self'");
  expect(csp).toContain("form-action 'self'");
  // `next start` is production: no eval, and no inline script without the nonce.
  expect(csp).not.toContain("unsafe-eval");
  expect(csp).toMatch(nonce ? /script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'/ : /script-src 'self';/);
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["referrer-policy"]).toBe("same-origin");
  expect(h["permissions-policy"]).toContain("camera=()");
  // The test server's public URL is plain http: no HSTS.
  expect(h["strict-transport-security"]).toBeUndefined();
  return csp;
}

/** Records CSP violations and script errors of a page (reported by the browser itself). */
async function watchCsp(context: BrowserContext) {
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
}
const violations = (page: Page) => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

test("headers and a per-request nonce CSP on pages, route handlers and the API", async ({ request }) => {
  const a = await request.get("/sign-in");
  const b = await request.get("/sign-in");
  const cspA = expectSecurityHeaders(a, { nonce: true });
  const cspB = expectSecurityHeaders(b, { nonce: true });
  const nonceA = /'nonce-([^']+)'/.exec(cspA)![1]!;
  expect(/'nonce-([^']+)'/.exec(cspB)![1]).not.toBe(nonceA);
  // Next put the request's nonce on its scripts.
  const html = await a.text();
  expect(html).toContain(`nonce="${nonceA}"`);
  expect(html.match(/<script\b[^>]*>/g)!.every((tag) => tag.includes(`nonce="${nonceA}"`))).toBe(true);

  expectSecurityHeaders(await request.get("/api/health"), { nonce: true });
  expectSecurityHeaders(await request.get("/no-such-page"), { nonce: true });
  const api = await request.get("/api/v1/me");
  expect(api.status()).toBe(401);
  expectSecurityHeaders(api, { nonce: true });
  // Requests with a body skip the proxy (it would buffer them) and get the static policy.
  const post = await request.post("/api/v1/evaluations", { data: { model: "x" } });
  expect(post.status()).toBe(401);
  expectSecurityHeaders(post, { nonce: false });
  const upload = await request.post("/t/demo/models/upload", { multipart: { name: "x" } });
  expect(upload.status()).toBe(401);
  expectSecurityHeaders(upload, { nonce: false });
});

test("the main pages render and hydrate with no CSP violation", async ({ page, context }) => {
  test.setTimeout(180_000);
  await watchCsp(context);
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto("/sign-in");
  expect(await violations(page)).toEqual([]);
  // Signing in runs next-auth's client code: the page hydrated.
  await signIn(page, DEMO.ADMIN);
  const paths = ["/t/demo/dashboard", "/t/demo/models", "/t/demo/evaluations", "/t/demo/controls", "/t/demo/reports", "/t/demo/settings/members", "/t/demo/settings/tokens", "/t/demo/audit"];
  for (const p of paths) {
    await page.goto(p);
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    expect(await violations(page), p).toEqual([]);
  }
  // An evaluation's result page (SVG charts with style attributes), and a model page.
  await page.goto("/t/demo/evaluations");
  const evalHref = await firstHref(page, /^\/t\/demo\/evaluations\/\d+$/);
  expect(evalHref).toBeTruthy();
  await page.goto(evalHref!);
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  expect(await violations(page), evalHref).toEqual([]);
  await page.goto("/t/demo/models");
  const modelHref = await firstHref(page, /^\/t\/demo\/models\/c[a-z0-9]+$/);
  await page.goto(modelHref!);
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  expect(await violations(page), modelHref).toEqual([]);
  // Client-side navigation and a client component's click handler work: React is running.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Controls" }).click();
  await expect(page).toHaveURL(/\/t\/demo\/controls/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test("CSRF: a server action or an upload posted from another origin is refused; next-auth wants its token", async ({ page, browser, baseURL }) => {
  const email = `csrf-${randomBytes(3).toString("hex")}@example.test`;
  const password = `csrf-pass-${randomBytes(6).toString("hex")}`;
  createUserWithCli({ email, team: "demo", role: "ENGINEER", password });
  await signIn(page, email, password);

  // Capture a real server action request (Sign out everywhere) without letting it through.
  await page.goto("/t/demo/settings/members");
  let captured: { url: string; headers: Record<string, string>; body: Buffer } | undefined;
  await page.route("**/t/demo/settings/members", async (route) => {
    const r = route.request();
    if (r.method() === "POST" && r.headers()["next-action"]) {
      captured = { url: r.url(), headers: r.headers(), body: r.postDataBuffer()! };
      await route.abort();
    } else await route.continue();
  });
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect.poll(() => captured).toBeDefined();
  await page.unroute("**/t/demo/settings/members");

  // Replayed with the session cookie but a foreign Origin: Next refuses it and nothing happens.
  const forged = await page.request.post(captured!.url, { headers: { ...captured!.headers, origin: EVIL }, data: captured!.body, maxRedirects: 0 });
  expect(forged.status()).toBe(500);
  await page.goto("/t/demo/dashboard");
  await expect(page).toHaveURL(/\/t\/demo\/dashboard$/);

  // The upload route handler refuses a foreign Origin too (and accepts its own one as far as the origin goes).
  const evilUpload = await page.request.post("/t/demo/models/upload", { headers: { origin: EVIL }, multipart: { name: "csrf-model" } });
  expect(evilUpload.status()).toBe(403);
  expect((await evilUpload.json()).message).toBe("Uploads are only accepted from Bulwark's own pages.");
  const ownUpload = await page.request.post("/t/demo/models/upload", { headers: { origin: baseURL! }, multipart: { name: "csrf-model" } });
  expect(ownUpload.status()).toBe(400);

  // The same replay from our own origin does run: the refusal above was the origin check.
  const real = await page.request.post(captured!.url, { headers: { ...captured!.headers, origin: baseURL! }, data: captured!.body, maxRedirects: 0 });
  expect(real.status()).toBeLessThan(400);
  await page.goto("/t/demo/dashboard");
  await expect(page).toHaveURL(/\/sign-in/);

  // next-auth: a credentials post without its CSRF token signs nobody in.
  const fresh = await browser.newContext({ baseURL });
  const noToken = await fresh.request.post("/api/auth/callback/credentials", { form: { email, password }, maxRedirects: 0 });
  expect(noToken.status()).toBe(302);
  expect(noToken.headers()["location"]).toContain("csrf=true");
  expect((await fresh.cookies()).some((c) => c.name.includes("session-token"))).toBe(false);
  await fresh.close();
});

test("sign out everywhere ends the user's sessions in every browser", async ({ browser, baseURL }) => {
  const email = `everywhere-${randomBytes(3).toString("hex")}@example.test`;
  const password = `everywhere-${randomBytes(6).toString("hex")}`;
  createUserWithCli({ email, team: "demo", role: "VIEWER", password });
  const one = await browser.newContext({ baseURL });
  const two = await browser.newContext({ baseURL });
  const a = await one.newPage();
  const b = await two.newPage();
  await signIn(a, email, password);
  await signIn(b, email, password);

  await a.goto("/t/demo/settings/members");
  await a.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(a).toHaveURL(/\/sign-in/);
  // The other browser still has its cookie, but the session is refused on its next navigation.
  expect((await two.cookies()).some((c) => c.name.includes("session-token"))).toBe(true);
  await b.goto("/t/demo/models");
  await expect(b).toHaveURL(/\/sign-in/);
  // Signing in again works, and the event is in the team's audit log.
  await signIn(b, email, password);
  await b.goto("/t/demo/audit?action=user.sessions.revoke");
  await expect(b.getByRole("cell", { name: "user.sessions.revoke" }).first()).toBeVisible();
  await expect(b.getByRole("cell", { name: email }).first()).toBeVisible();
  await one.close();
  await two.close();
});

test("uploaded files come back as attachments with nosniff, never rendered", async ({ page }) => {
  test.setTimeout(180_000);
  await asUser(page, DEMO.REVIEWER, "/t/demo/controls?fw=nist-ai-rmf&q=GOVERN%201.2");
  const row = page.locator('[data-control="nist-ai-rmf:GOVERN 1.2"]');
  await row.getByRole("link", { name: "GOVERN 1.2" }).click();
  const drawer = page.getByRole("dialog", { name: /GOVERN 1\.2/ });
  const form = drawer.getByRole("form", { name: "Attest GOVERN 1.2" });
  await form.getByLabel("Statement").fill("Security e2e: hostile file names must download, never render.");
  await form.getByLabel("Valid until").fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
  await form.getByLabel("Files (optional)").setInputFiles([
    { name: "evil.html", mimeType: "text/html", buffer: Buffer.from("<script>document.title='pwned'</script>") },
    { name: "evil.svg", mimeType: "image/svg+xml", buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') },
  ]);
  await form.getByRole("button", { name: "Attest control" }).click();
  await expect(form.getByText(/with 2 files/)).toBeVisible();

  for (const name of ["evil.html", "evil.svg"]) {
    const link = drawer.getByRole("link", { name }).first();
    const href = (await link.getAttribute("href"))!;
    const res = await page.request.get(href);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/octet-stream");
    expect(res.headers()["content-disposition"]).toBe(`attachment; filename="${name}"`);
    expect(res.headers()["x-content-type-options"]).toBe("nosniff");
    // Opening it in the browser downloads it; the page stays ours.
    const download = page.waitForEvent("download");
    await link.click();
    expect((await download).suggestedFilename()).toBe(name);
    expect(await page.title()).not.toBe("pwned");
  }

  // A model file (model.json) downloads the same way: digits-cnn v1, a LayersModel (the model's latest version,
  // v3, is an ensemble of v1 and v2 with no files of its own; which model the list shows first depends on the
  // journeys before this one).
  await page.goto("/t/demo/models");
  await page.getByRole("link", { name: "digits-cnn", exact: true }).click();
  await expect(page.getByRole("heading", { name: "digits-cnn", exact: true })).toBeVisible();
  await page.goto(`${page.url().split("?")[0]}?v=1`);
  const fileHref = await page.locator('a[href*="/file?version="]').first().getAttribute("href");
  const file = await page.request.get(fileHref!);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-type"]).toBe("application/octet-stream");
  expect(file.headers()["content-disposition"]).toMatch(/^attachment; filename="[A-Za-z0-9._()-]+"$/);
  expect(file.headers()["x-content-type-options"]).toBe("nosniff");
});

// --- No secrets in logs: a second server whose whole output (supervisor, web, worker) is captured ---

// Written as a string: Playwright's workers set FORCE_COLOR, and console.log would colour a number.
const freePort = () =>
  execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"]).toString().trim();

test("a sign-in, an API token and a webhook secret leave no secret in the server's output", async ({ browser }) => {
  test.setTimeout(400_000);
  const dataDir = mkdtempSync(join(tmpdir(), "bulwark-e2e-logs-"));
  const port = freePort();
  const pgPort = freePort();
  const url = `http://127.0.0.1:${port}`;
  const secrets = {
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    password: `pw-${randomBytes(9).toString("base64url")}`,
    wrongPassword: `wrong-${randomBytes(9).toString("base64url")}`,
  } as Record<string, string>;
  const env = { ...process.env, BULWARK_DATA_DIR: dataDir, PORT: port, BULWARK_PG_PORT: pgPort, NEXTAUTH_URL: url, NEXTAUTH_SECRET: secrets.NEXTAUTH_SECRET, BULWARK_DEMO: "false", DATABASE_URL: "",
    // One web process: each more is a Next.js process started for nothing here (CPU the suite shares).
    BULWARK_WEB_PROCESSES: "1" };
  let out = "";
  const child: ChildProcess = spawn(process.execPath, nodeArgs("scripts/start.ts"), { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  try {
    for (let i = 0; i < 600 && !out.includes("Bulwark is running at"); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!out.includes("Bulwark is running at")) throw new Error(`the second server did not start:\n${out.slice(-4000)}`);
    const email = "logs@example.test";
    execFileSync(process.execPath, [...nodeArgs("scripts/user.ts"), "create", "--email", email, "--team", "logs", "--role", "ADMIN", "--password", secrets.password!], { env, stdio: "pipe" });

    const ctx = await browser.newContext({ baseURL: url });
    const page = await ctx.newPage();
    // A failed sign-in, then the real one.
    await page.goto("/sign-in");
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Password").fill(secrets.wrongPassword!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong e-mail address or password.")).toBeVisible();
    await signIn(page, email, secrets.password);

    // An API token, created in the UI and used: a good call, a bad body, a mangled token.
    secrets.token = await createTokenInSettings(page, "logs", "ci");
    const auth = { authorization: `Bearer ${secrets.token}` };
    expect((await page.request.get(`${url}/api/v1/me`, { headers: auth })).status()).toBe(200);
    expect((await page.request.post(`${url}/api/v1/evaluations`, { headers: { ...auth, "content-type": "application/json" }, data: "{not json" })).status()).toBe(400);
    expect((await page.request.get(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${secrets.token}x` } })).status()).toBe(401);

    // A webhook: its secret is generated by the server and shown to the admin.
    await page.goto("/t/logs/settings/alerts");
    // A public address (a loopback one is refused when saved); this team sends no events, so nothing is posted.
    await page.getByLabel("Webhook URL").fill("http://93.184.215.14:9/bulwark-hook");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();
    await page.reload();
    secrets.webhookSecret = (await page.locator("code").filter({ hasText: /^[A-Za-z0-9_-]{32}$/ }).first().textContent())!.trim();

    // A forged server action: Next logs the refusal, which proves the web server's output is captured.
    await page.request.post(`${url}/t/logs/settings/members`, { headers: { "next-action": "0".repeat(42), origin: EVIL, "content-type": "text/plain" }, data: "[]" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await ctx.close();
    await expect.poll(() => out.includes("evil.example"), { timeout: 10_000 }).toBe(true);
  } finally {
    child.kill("SIGINT");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  expect(out).toContain("web stopped.");
  for (const [name, value] of Object.entries(secrets)) {
    expect(value.length, name).toBeGreaterThanOrEqual(15);
    expect(out.includes(value), `${name} appears in the server output`).toBe(false);
  }
});
