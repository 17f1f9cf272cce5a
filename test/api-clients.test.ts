import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/tokens";
import { db } from "@/lib/db/client";
import { stopQueue } from "@/lib/jobs/queue";
import { openApiDocument } from "@/lib/api/openapi";
import { useTempStore } from "@/lib/registry/test-helpers";
import { DEMO_DATASETS, seedDemoRegistry } from "@/lib/seed/registry";
import { apiTypesSource } from "@/cli/api-types-source";
import { makeTeam } from "@/test/fixtures";
import { testDatabaseUrl } from "@/test/db-per-file";
import { workerPool } from "@/test/workers";
import { startApiServer, startHtmlServer } from "@/test/api-server";
import { systemContext } from "../lib/teams/context";

// REST API v1 from the outside, over HTTP, on the real route handlers, database, queue and a worker:
// the TypeScript client generated from the OpenAPI document (type-checked CI program, then run), the
// CLI built on the same types (exit codes of docs/ci.md) and the Python example of docs/ci.md.

const ROOT = resolve(import.meta.dirname, "..");
const run = promisify(execFile);
const { dir } = useTempStore();
const pool = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));
const tmp = mkdtempSync(join(tmpdir(), "bulwark-clients-"));
let server: Awaited<ReturnType<typeof startApiServer>>;
let token: string;

/** Runs a program to its end; its exit code and output (no throw on a non-zero exit). */
function exec(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => done({ code, out, err }));
  });
}
const cli = (args: string[], env: Record<string, string> = {}) => exec(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], { BULWARK_URL: server.url, BULWARK_TOKEN: token, BULWARK_CONFIG: join(tmp, "none.json"), ...env });

beforeAll(async () => {
  const team = await makeTeam("clients");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  token = (await createApiToken(team.ctx("ADMIN"), { name: "ci", role: "ENGINEER", expiresInDays: 1 })).secret;
  server = await startApiServer();
  pool.startWorker();
}, 600_000);

afterAll(async () => {
  await server?.close();
  await pool.stopWorkers();
  await stopQueue();
  rmSync(tmp, { recursive: true, force: true });
});

describe("a TypeScript client generated from the OpenAPI document", () => {
  it("is cli/api-types.ts as generated at install (npm run api:types), which the CLI is built on", async () => {
    const served = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(await apiTypesSource(served)).toBe(readFileSync(join(ROOT, "cli/api-types.ts"), "utf8"));
  }, 120_000);

  it("type-checks a CI program written against it with openapi-fetch (tsc, strict; no casts, no any)", async () => {
    const code = readFileSync(join(ROOT, "docs/examples/ci-pipeline.ts"), "utf8").replace(/^\s*\/\/.*$/gm, "");
    // No type assertion (`x as T`, `<T>x`), no any, no suppressed error: the generated types carry it all.
    expect(code).not.toMatch(/[\w)\]]\s+as\s+(?!const\b)\w|\bany\b|@ts-|<[A-Z]\w*>\s*[\w(]/);
    const config = join(tmp, "tsconfig.json");
    writeFileSync(config, JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, noUncheckedIndexedAccess: true, target: "ES2022", module: "ESNext", moduleResolution: "Bundler", skipLibCheck: true, types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")] },
      files: [join(ROOT, "docs/examples/ci-pipeline.ts")],
    }));
    const tsc = await run(join(ROOT, "node_modules/.bin/tsc"), ["-p", config], { cwd: ROOT }).then(() => "", (e: { stdout: string }) => e.stdout);
    expect(tsc).toBe("");
  }, 180_000);

  it("runs that program against a server: models, evaluation, results, gate, report, PDF", async () => {
    const pdf = join(tmp, "report.pdf");
    const r = await exec(process.execPath, ["--import", "tsx", "docs/examples/ci-pipeline.ts"], { BULWARK_URL: server.url, BULWARK_TOKEN: token, MODEL: "digits-cnn@1", DATASET: `${DEMO_DATASETS.eval}@latest`, SAMPLES: "10", REPORT_PDF: pdf });
    // 10 samples do not meet the limited tier's required suite: the gate fails, exit 1 (docs/ci.md).
    expect([r.code, r.err]).toEqual([1, ""]);
    expect(r.out).toMatch(/Model digits-cnn: latest version 2/);
    expect(r.out).toMatch(/Evaluation #\d+ queued: 10 samples \(\/api\/v1\/evaluations\/\d+\)/);
    expect(r.out).toMatch(/Clean accuracy \d+\.\d%/);
    // Deep fields read through the generated types: robust accuracy per attack and ε, the checks, the records.
    expect(r.out).toMatch(/ (linf|l2) ε=0\.\d+: robust accuracy \d+\.\d% \(\d+ of \d+ broken\)/);
    expect(r.out).toMatch(/Checks: (reliable|questionable|unreliable)/);
    expect(r.out).toMatch(/Results: 10 example records, \d+ broken by some attack/);
    expect(r.out).toMatch(/FAIL Required suite: .*10 samples \(needs 200\)/);
    expect(r.out).toMatch(/Gate failed for digits-cnn@1/);
    expect(r.out).toMatch(/Report R-1: .*report\.pdf \(\d+ bytes\), verified/);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");
  }, 300_000);
});

describe("the CLI's exit codes (docs/ci.md)", () => {
  it("a URL that answers 200 with HTML (not Bulwark): exit 3 with a clear message, no stack trace", async () => {
    const html = await startHtmlServer();
    try {
      const r = await cli(["gate", "--model", "digits-cnn@1"], { BULWARK_URL: html.url });
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/does not answer like Bulwark: GET \/api\/v1\/gate gave 200 with text\/html instead of the API's JSON\. Check BULWARK_URL/);
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      await html.close();
    }
  });

  it("an unreachable server: exit 3", async () => {
    const r = await cli(["whoami"], { BULWARK_URL: "http://127.0.0.1:9" });
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/Cannot reach Bulwark at http:\/\/127\.0\.0\.1:9/)]);
  });

  it("a wrong token: exit 3 with the server's words", async () => {
    const r = await cli(["whoami"], { BULWARK_TOKEN: "bwk_not-a-real-token" });
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/This API token is unknown, revoked or expired/)]);
  });

  it("a missing file for report verify: exit 2, file not found", async () => {
    const r = await cli(["report", "verify", join(tmp, "missing.pdf")]);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/file not found: .*missing\.pdf/)]);
  });

  it("a nonexistent model: exit 3 naming it", async () => {
    const r = await cli(["gate", "--model", "no-such-model@1"]);
    expect([r.code, r.err]).toEqual([3, expect.stringMatching(/The model "no-such-model" was not found/)]);
  });

  it("model push of an ONNX file with its card beside it (<name>.card.json): a version of format onnx", async () => {
    const fixture = JSON.parse(readFileSync(join(ROOT, "test/fixtures/onnx/mnist-cnn.json"), "utf8")) as { card: Record<string, unknown> };
    const file = join(tmp, "torch-digits.onnx");
    copyFileSync(join(ROOT, "test/fixtures/onnx/mnist-cnn.onnx"), file);
    const card = { ...fixture.card, intendedUse: "CI test of ONNX pushes", outOfScopeUse: "Anything real", riskTier: "limited", owner: "ML team", trainingMethod: { kind: "standard" } };
    writeFileSync(join(tmp, "torch-digits.card.json"), JSON.stringify(card));
    const r = await cli(["model", "push", file, "--name", "torch-digits-cli", "--json"]);
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as { version: number; model: { name: string } };
    expect([v.model.name, v.version]).toEqual(["torch-digits-cli", 1]);
    const stored = await db.modelVersion.findFirstOrThrow({ where: { model: { name: "torch-digits-cli" } }, select: { format: true } });
    expect(stored.format).toBe("onnx");
    // Without a card beside it or --card: exit 2 naming what the card needs.
    const bare = join(tmp, "bare.onnx");
    copyFileSync(join(ROOT, "test/fixtures/onnx/mnist-cnn.onnx"), bare);
    const noCard = await cli(["model", "push", bare, "--name", "torch-digits-bare"]);
    expect([noCard.code, noCard.err]).toEqual([2, expect.stringMatching(/No model card: pass --card <card\.json>.*inputLayout "NCHW"/)]);
  });

  it("--samples abc: exit 2 naming the flag; numbers go to the server as numbers", async () => {
    const bad = await cli(["eval", "run", "--model", "digits-cnn@1", "--dataset", `${DEMO_DATASETS.eval}@1`, "--samples", "abc"]);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--samples takes a whole number, not "abc"/)]);
    const ok = await cli(["eval", "run", "--model", "digits-cnn@1", "--dataset", `${DEMO_DATASETS.eval}@1`, "--suite", "quick", "--samples", "10", "--seed", "4", "--shard-size", "10", "--json"]);
    expect(ok.code).toBe(0);
    const created = JSON.parse(ok.out) as { number: number; samples: number; seed: number };
    expect([created.samples, created.seed]).toEqual([10, 4]);
    const sent = server.requests.find((q) => q.method === "POST" && q.path === "/api/v1/evaluations" && q.body?.includes('"seed":4'));
    expect(JSON.parse(sent!.body!)).toMatchObject({ sampleCount: 10, seed: 4, shardSize: 10 });
  });
});

describe("bulwark harden (docs/hardening.md)", () => {
  const train = `${DEMO_DATASETS.train}@1`;

  it("refuses bad usage with exit 2 and the server's refusals with exit 3, each naming the problem; nothing is queued", async () => {
    const before = await db.hardeningRun.count();
    const noEps = await cli(["harden", "--model", "digits-cnn@1", "--dataset", train]);
    expect([noEps.code, noEps.err]).toEqual([2, expect.stringMatching(/--eps is required: the L∞ budget of the training attack/)]);
    const method = await cli(["harden", "--model", "digits-cnn@1", "--dataset", train, "--eps", "0.1", "--method", "fgsm"]);
    expect([method.code, method.err]).toEqual([2, expect.stringMatching(/--method is one of pgd-at, trades, augment, not "fgsm"/)]);
    // Checked by the server: ε wider than the card's input range 0..1.
    const wide = await cli(["harden", "--model", "digits-cnn@1", "--dataset", train, "--eps", "5"]);
    expect([wide.code, wide.err]).toEqual([3, expect.stringMatching(/ε = 5 is wider than the model's whole input range \(1\)/)]);
    expect(await db.hardeningRun.count()).toBe(before);
  });

  it("--wait follows a run to the new version and its measured cost; status and cancel read the same run", async () => {
    const before = await db.hardeningRun.count();
    const r = await cli(["harden", "--model", "digits-cnn@1", "--dataset", train, "--eps", "0.1", "--steps", "1", "--epochs", "1", "--train-count", "64", "--seed", "3", "--wait"]);
    expect(r.code, r.err).toBe(0);
    // The cost is stated before the run (on stderr, with the queue line), the outcome after it (stdout).
    expect(r.err).toMatch(/Queued hardening run \w+: digits-cnn v1 on mnist-demo-train@1, 64 examples, pgd-at\./);
    expect(r.err).toMatch(/cost: 64 examples × 1 epochs × 1 attack steps = 64 attack gradients, .*: about \d+ s on one worker/);
    expect(await db.hardeningRun.count()).toBe(before + 1);
    const run = await db.hardeningRun.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    const hardened = await db.modelVersion.findUniqueOrThrow({ where: { id: run.resultVersionId! }, select: { version: true, trainingDatasetVersionId: true } });
    expect(hardened.trainingDatasetVersionId).toBe(run.datasetVersionId);
    expect(r.out).toContain(`✓ digits-cnn@${hardened.version} registered: hardened from digits-cnn v1 on mnist-demo-train@1 (64 examples, pgd-at, ε 0.1)`);
    expect(r.out).toMatch(/measured: \d+\.\d s wall time, 1 epoch, 64 examples trained, 64 attack \+ 64 weight gradients/);

    const status = await cli(["harden", "status", "--model", "digits-cnn", run.id, "--json"]);
    expect(status.code, status.err).toBe(0);
    const view = JSON.parse(status.out) as { status: string; hardenedVersion: { version: number }; cost: { epochs: number; attackGradients: number }; evaluations: { number: number }[] };
    expect(view).toMatchObject({ status: "completed", hardenedVersion: { version: hardened.version }, cost: { epochs: 1, attackGradients: 64 } });
    // The re-evaluations the run queued (the parent's suites), as --wait printed them.
    const queued = await db.evaluation.findMany({ where: { modelVersionId: run.resultVersionId! }, orderBy: { number: "asc" }, select: { number: true } });
    expect(view.evaluations.map((e) => e.number)).toEqual(queued.map((e) => e.number));
    for (const e of queued) expect(r.out).toMatch(new RegExp(`re-evaluation: evaluation #${e.number} \\(\\w+\\): bulwark eval status ${e.number}`));
    if (!queued.length) expect(r.out).toMatch(/not re-evaluated: v1 has no completed evaluation to repeat/);

    const cancel = await cli(["harden", "cancel", "--model", "digits-cnn", run.id]);
    expect([cancel.code, cancel.err]).toEqual([3, expect.stringMatching(/This hardening run is completed: there is nothing to cancel/)]);
  }, 300_000);
});

describe("the Python example of docs/ci.md (requests only)", () => {
  it("gates a model version against a server", async (ctx) => {
    const probe = await exec("python3", ["-c", "import requests"]).catch(() => ({ code: -1, out: "", err: "python3 not found" }));
    if (probe.code !== 0) {
      console.log(`Skipped: python3 with requests is not available here (${probe.err.trim().split("\n").at(-1)}).`);
      ctx.skip();
    }
    const r = await exec("python3", ["docs/examples/bulwark_gate.py", "--model", "digits-cnn@2", "--dataset", `${DEMO_DATASETS.eval}@latest`, "--suite", "quick", "--samples", "10"], { BULWARK_URL: server.url, BULWARK_TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Clean accuracy \d+\.\d%/);
    expect(r.out).toMatch(/FAIL Required suite/);
    expect(r.out).toMatch(/Gate failed for digits-cnn@2/);
    const refused = await exec("python3", ["docs/examples/bulwark_gate.py", "--model", "no-such-model@1", "--dataset", `${DEMO_DATASETS.eval}@latest`], { BULWARK_URL: server.url, BULWARK_TOKEN: token });
    expect([refused.code, refused.err]).toEqual([3, expect.stringMatching(/404 Not found: The model "no-such-model" was not found/)]);
  }, 300_000);
});
