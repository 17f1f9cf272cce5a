import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { createTokenInSettings, signInToFreshTeam } from "./helpers";

// The CI program written against the generated TypeScript client (docs/examples/ci-pipeline.ts, type-checked
// in test/api-clients.test.ts) run against the real server: Next.js behind scripts/web.ts, the worker and
// PostgreSQL. A fresh team (nothing shared with other journeys): its admin issues a token in Settings, the
// model and the evaluation digits are uploaded through REST API v1, then the program runs as a child process.

const dir = mkdtempSync(join(tmpdir(), "bulwark-api-client-"));

/** The first 100 evaluation digits of the demo as an IDX pair, written by the seed's own encoder. */
function writeDigitsIdx(): { images: string; labels: string } {
  const images = join(dir, "digits-images-idx3-float");
  const labels = join(dir, "digits-labels-idx1-ubyte");
  const code = `
    import { writeFileSync } from "node:fs";
    import { loadDemoEvalSplit } from "./lib/demo/mnist.ts";
    import { idxOfSplit } from "./lib/seed/registry.ts";
    const s = loadDemoEvalSplit();
    const n = 100, px = s.images.length / s.count;
    const idx = idxOfSplit({ ...s, count: n, images: s.images.subarray(0, n * px), labels: s.labels.subarray(0, n) });
    writeFileSync(${JSON.stringify(images)}, idx.images);
    writeFileSync(${JSON.stringify(labels)}, idx.labels);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return { images, labels };
}

test("the generated-client CI program runs against the real server: evaluation, results, gate, report", async ({ page, baseURL, request }) => {
  test.setTimeout(600_000);
  const team = await signInToFreshTeam(page, "api", "ADMIN");

  // The pipeline's token, issued in Settings (shown once).
  const token = await createTokenInSettings(page, team, "ci-program", "ENGINEER");
  const auth = { authorization: `Bearer ${token}` };

  // A model and the evaluation digits, uploaded through the API.
  const model = `ci-client-${team}`;
  const card = {
    task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    intendedUse: "The generated-client CI journey", outOfScopeUse: "Anything real", riskTier: "limited", owner: "ML platform", trainingMethod: { kind: "adversarial", attack: "pgd", norm: "linf", epsilon: 0.3 },
  };
  const upload = (files: Record<string, string>, fields: Record<string, string>) => {
    const form = new FormData();
    for (const [name, path] of Object.entries(files)) form.append("files", new File([readFileSync(path)], name));
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return form;
  };
  const up = await request.post(`${baseURL}/api/v1/models/${model}/versions`, {
    headers: auth,
    multipart: upload({ "model.json": "demo/models/digits-cnn-v2/model.json", "weights.bin": "demo/models/digits-cnn-v2/weights.bin" }, { card: JSON.stringify(card) }),
  });
  expect(up.status(), await up.text()).toBe(201);
  const idx = writeDigitsIdx();
  const ds = await request.post(`${baseURL}/api/v1/datasets/ci-digits/versions`, {
    headers: auth,
    multipart: upload({ "digits-images-idx3-float": idx.images, "digits-labels-idx1-ubyte": idx.labels }, {
      format: "idx", classLabels: "0,1,2,3,4,5,6,7,8,9", description: "100 demo digits", source: "the demo's MNIST digits", collectedBy: "NIST", collectedWhen: "1998",
      licence: "CC-BY-SA-3.0", personalData: "no", split: "test",
    }),
  });
  expect(ds.status(), await ds.text()).toBe(201);

  // The program, as a pipeline would run it.
  const pdf = join(dir, "report.pdf");
  const { FORCE_COLOR: _color, ...env } = process.env;
  const r = spawnSync(process.execPath, ["--import", "tsx", "docs/examples/ci-pipeline.ts"], {
    env: { ...env, BULWARK_URL: baseURL!, BULWARK_TOKEN: token, MODEL: `${model}@1`, DATASET: "ci-digits@1", SAMPLES: "20", REPORT_PDF: pdf },
    encoding: "utf8",
    timeout: 540_000,
  });
  // 20 samples do not meet the limited tier's required suite: the gate fails, exit 1 (docs/ci.md).
  expect([r.status, r.stderr]).toEqual([1, ""]);
  expect(r.stdout).toMatch(new RegExp(`Model ${model}: latest version 1`));
  expect(r.stdout).toMatch(/Evaluation #\d+ queued: 20 samples \(\/api\/v1\/evaluations\/\d+\)/);
  expect(r.stdout).toMatch(/Clean accuracy \d+\.\d%/);
  expect(r.stdout).toMatch(/ linf ε=0\.\d+: robust accuracy \d+\.\d% \(\d+ of \d+ broken\)/);
  expect(r.stdout).toMatch(/Results: 20 example records, \d+ broken by some attack/);
  expect(r.stdout).toMatch(/FAIL Required suite: .*20 samples \(needs 200\)/);
  expect(r.stdout).toMatch(new RegExp(`Gate failed for ${model}@1`));
  expect(r.stdout).toMatch(/Report R-1: .*report\.pdf \(\d+ bytes\), verified/);
  expect(readFileSync(pdf).subarray(0, 5).toString()).toBe("%PDF-");
});
