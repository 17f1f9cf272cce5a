import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The journeys run against the real app, started by the same supervisor as `npm start`, on a fresh
// temporary data folder (embedded PostgreSQL, migrations, demo seed, web and worker).
// The values are put in process.env so Playwright's worker processes see the same ones.
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "bulwark-e2e-"));
// Free ports, found once in the main process (a child answers synchronously).
const freePort = () =>
  execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString().trim();
process.env.E2E_PORT ??= freePort();
process.env.E2E_PG_PORT ??= freePort();
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

/**
 * Journeys that read the demo team without changing it (a11y, mobile, integrity) or work on a team / users of their
 * own (admin, api-client, attest-bulk, oscal, harden, isolation's outsider and its own demo viewer).
 */
const OWN_LANE = ["**/a11y.spec.ts", "**/explorer.spec.ts", "**/mobile.spec.ts", "**/integrity.spec.ts", "**/admin.spec.ts", "**/api-client.spec.ts", "**/attest-bulk.spec.ts", "**/isolation.spec.ts", "**/sso.spec.ts", "**/oscal.spec.ts", "**/harden.spec.ts"];

export default defineConfig({
  testDir: "e2e",
  // Limits are for hangs, not speed: on a busy machine a journey of 50 s quietly can take well over twice
  // that. Waits pass as soon as the page shows it.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  // Two lanes side by side, one browser each: the journeys that share the demo team's records and settings
  // run one after another as before; the ones that only read it, or work in a team of their own, run beside
  // them. A new journey joins OWN_LANE only if nothing it does can change what another journey reads.
  fullyParallel: false,
  workers: 2,
  projects: [
    { name: "demo-team", testIgnore: OWN_LANE, workers: 1 },
    { name: "own-data", testMatch: OWN_LANE, workers: 1 },
  ],
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL,
    // Recording a trace of every journey (to keep the failing ones' traces) cost about a third of the CPU of
    // Chromium and the test runner (78 against 126 CPU-s for foundation + deep-link); E2E_TRACE=1 records
    // them when a failure needs one. The failure screenshot stays.
    trace: process.env.E2E_TRACE ? "retain-on-failure" : "off",
    screenshot: "only-on-failure",
    launchOptions: {
      // Chromium's old headless shell (Debian: chromium-headless-shell) where installed: about 40% less CPU than the
      // full browser for the same journeys; else the full browser.
      executablePath: process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium"),
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    command: "node --import tsx scripts/start.ts",
    url: `${baseURL}/api/health`,
    // A first start builds the web app (about 2 minutes on a quiet machine, over 5 on a busy one); in `npm
    // test` the supervisor tests before it have usually built this checkout already.
    timeout: 900_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: "SIGINT", timeout: 60_000 },
    stdout: "pipe",
    stderr: "pipe",
    env: {
      BULWARK_DATA_DIR: process.env.E2E_DATA_DIR,
      PORT: process.env.E2E_PORT,
      BULWARK_PG_PORT: process.env.E2E_PG_PORT,
      NEXTAUTH_URL: baseURL,
      BULWARK_DEMO: "true",
      // The checkout is built once here and never rebuilt from Turbopack's cache: not writing it saves about
      // a fifth to a quarter of the build's CPU (74 against 90, 82 against 109 CPU-s; docs/benchmarks.md).
      BULWARK_BUILD_CACHE: "false",
      // The journeys read only the poisoned model's scan; the clean model's would hold the worker for minutes.
      BULWARK_DEMO_SCANS: "poisoned",
      // 200 evaluation digits per demo evaluation instead of 400: the journeys read the same pages and
      // verdicts (v1 far below the policy's 60%, v2 far above) for half the worker's CPU.
      BULWARK_DEMO_EVALUATION_SAMPLES: "200",
      // Two job slots: a journey's evaluation does not wait behind a seeded cross-validation shard.
      BULWARK_WORKER_CONCURRENCY: "2",
      // One web process (the default is one per core, up to 2): a second Next.js process costs CPU the run is
      // short of and the journeys never send enough requests at once to use it. test/supervisor.test.ts tests 2.
      BULWARK_WEB_PROCESSES: "1",
      // e2e/blackbox.spec.ts serves its model on loopback.
      BULWARK_OUTBOUND_ALLOW_PRIVATE: "true",
      // e2e/sso.spec.ts starts its OpenID provider on this port (the passwords stay on for every other journey).
      BULWARK_OIDC_ISSUER: `http://127.0.0.1:${(process.env.E2E_OIDC_PORT ??= freePort())}`,
      BULWARK_OIDC_CLIENT_ID: "bulwark-e2e",
      BULWARK_OIDC_CLIENT_SECRET: "bulwark-e2e-client-secret",
      BULWARK_OIDC_NAME: "Acme SSO",
      BULWARK_OIDC_SCOPES: "openid email profile groups",
      BULWARK_OIDC_ALLOWED_DOMAINS: "acme.test",
      BULWARK_OIDC_ROLE_MAP: "sso-e2e-engineers=sso-e2e:ENGINEER",
    },
  },
});
