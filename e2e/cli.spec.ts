import { expect, test } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeArgs } from "../lib/process/entries";
import { asUser, createTokenInSettings, DEMO } from "./helpers";

// The ML engineer's CI pipeline: an admin issues a token in Settings, then the real `bulwark` CLI talks
// to the running server (web + worker + database): push a model, run an evaluation with --wait, and gate
// releases under the team's default policy. (This file runs before compliance.spec.ts, which changes the
// demo team's policy.)

const home = mkdtempSync(join(tmpdir(), "bulwark-cli-"));

function cli(start: string[], args: string[]) {
  const { FORCE_COLOR: _color, BULWARK_URL: _url, BULWARK_TOKEN: _token, ...env } = process.env;
  const r = spawnSync(process.execPath, [...start, ...args], { env: { ...env, BULWARK_CONFIG: join(home, "config.json"), NO_COLOR: "1" }, encoding: "utf8", timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** The CLI as installed: bin/bulwark.js, which runs cli/main.ts through tsx. */
const installed = (...args: string[]) => cli(["bin/bulwark.js"], args);
/** The same cli/main.ts from its bundle (the test server's start builds it): 0.2 CPU-s a call instead of 0.6-0.9. */
const bulwark = (...args: string[]) => cli(nodeArgs("cli/main.ts"), args);

test("an engineer's pipeline pushes a model, evaluates it with --wait and gates releases with the CLI", async ({ page, baseURL, request }) => {
  test.setTimeout(900_000);

  // An admin creates an ENGINEER token for the pipeline; the secret is shown once.
  await asUser(page, DEMO.ADMIN);
  const token = await createTokenInSettings(page, "demo", "github-actions", "ENGINEER");

  // Without a login the CLI says what to do; a wrong token is refused with the server's reason.
  expect(installed("gate", "--model", "digits-cnn@1")).toMatchObject({ code: 2, err: expect.stringContaining("bulwark login --url") });
  expect(bulwark("login", "--url", baseURL!, "--token", "bwk_wrong")).toMatchObject({ code: 3, err: expect.stringContaining("unknown, revoked or expired") });
  const login = bulwark("login", "--url", baseURL!, "--token", token);
  expect(login.code, login.err).toBe(0);
  expect(login.out).toContain("ENGINEER of Demo AI Lab");

  // Push the adversarially trained demo weights as a new model, with a card.
  const card = join(home, "card.json");
  writeFileSync(card, JSON.stringify({
    task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    intendedUse: "Digit recognition in the CI example", outOfScopeUse: "Real documents", riskTier: "limited", owner: "ML platform team",
    trainingMethod: { kind: "adversarial", attack: "pgd", norm: "linf", epsilon: 0.3 },
  }));
  const push = bulwark("model", "push", "demo/models/digits-cnn-v2", "--name", "ci-digits", "--version", "1", "--card", card);
  expect(push.code, push.err).toBe(0);
  expect(push.out).toMatch(/✓ ci-digits@1 registered \(limited risk\), sha256 [0-9a-f]{64}/);
  expect(push.err).toMatch(/Uploading ci-digits 100%/);
  const again = bulwark("model", "push", "demo/models/digits-cnn-v2", "--name", "ci-digits", "--version", "1", "--card", card);
  expect(again).toMatchObject({ code: 3, err: expect.stringContaining("Version 1 of the model \"ci-digits\" already exists") });

  // Evaluate it and wait: progress on stderr, the results table on stdout.
  const run = bulwark("eval", "run", "--model", "ci-digits@1", "--dataset", "mnist-demo-eval@1", "--suite", "quick", "--samples", "200", "--shard-size", "100", "--wait");
  expect(run.code, run.err).toBe(0);
  expect(run.err).toMatch(/Queued evaluation #\d+: ci-digits@1 on mnist-demo-eval@1, 200 samples \(quick\)/);
  expect(run.out).toMatch(/Evaluation #\d+: ci-digits@1 on mnist-demo-eval@1, 200 samples — completed/);
  expect(run.out).toMatch(/Clean accuracy \d+\.\d%; Evaluation checks (passed|: warnings)/);
  expect(run.out).toMatch(/worst case\s+\d+\.\d%/);
  const number = Number(/Evaluation #(\d+)/.exec(run.out)![1]);
  const api = { authorization: `Bearer ${token}` };
  const stored = await (await request.get(`/api/v1/evaluations/${number}`, { headers: api })).json();
  expect(run.out).toContain(`Clean accuracy ${(stored.results.cleanAccuracy * 100).toFixed(1)}%`);
  expect(bulwark("gate", "--model", "ci-digits@1")).toMatchObject({ code: 0, out: expect.stringContaining("Gate passed") });

  // The seeded demo evaluations (v1 standard training, v2 adversarial) have been running on the worker.
  await expect(async () => {
    const list = await (await request.get("/api/v1/evaluations?status=completed&model=digits-cnn@1", { headers: api })).json();
    const list2 = await (await request.get("/api/v1/evaluations?status=completed&model=digits-cnn@2", { headers: api })).json();
    expect(list.data.length * list2.data.length).toBeGreaterThan(0);
  }).toPass({ timeout: 600_000, intervals: [5_000] });

  const v1 = bulwark("gate", "--model", "digits-cnn@1");
  expect(v1.code, v1.out + v1.err).toBe(1);
  expect(v1.out).toMatch(/Robust accuracy Linf 0\.1\s+FAIL\s+\d+\.\d% measured; policy: worst-case robust accuracy ≥ 40% at Linf 0\.1/);
  expect(v1.out).toContain("Gate failed: 1 check(s) failed for digits-cnn@1.");
  const v2 = bulwark("gate", "--model", "digits-cnn@2");
  expect(v2.code, v2.out + v2.err).toBe(0);
  expect(v2.out).toContain("Gate passed: digits-cnn@2 meets the team's policy.");
  const machine = JSON.parse(bulwark("gate", "--model", "digits-cnn@1", "--json").out);
  expect(machine).toMatchObject({ model: "digits-cnn@1", tier: "limited", pass: false, policyVersion: 1 });
});
