// A CI step against Bulwark's REST API v1, with a client typed from the OpenAPI document:
// openapi-typescript generates the types (cli/api-types.ts, `npm run api:types`), openapi-fetch calls the API.
//
//   BULWARK_URL=https://bulwark.example BULWARK_TOKEN=bwk_… MODEL=digits-cnn@7 DATASET=mnist-demo-eval@latest \
//     node --import tsx docs/examples/ci-pipeline.ts
//
// Lists the models, runs an evaluation and waits for it, reads its results, asks the release gate,
// generates an audit report, downloads its PDF and verifies it. Exit codes as the CLI's (docs/ci.md):
// 0 the gate passed, 1 the gate failed or the evaluation did not complete, 2 configuration, 3 the server
// refused a request. (test/api-clients.test.ts type-checks this file and runs it against a server.)
import { writeFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "../../cli/api-types";

type Problem = components["schemas"]["Problem"];

const url = process.env.BULWARK_URL;
const token = process.env.BULWARK_TOKEN;
const model = process.env.MODEL;
const dataset = process.env.DATASET;
const samples = Number(process.env.SAMPLES ?? "200");
const pdfFile = process.env.REPORT_PDF ?? "bulwark-report.pdf";
if (!url || !token || !model || !dataset || !Number.isInteger(samples)) {
  console.error("Set BULWARK_URL, BULWARK_TOKEN, MODEL (name@version), DATASET (name@version) and optionally SAMPLES.");
  process.exit(2);
}

const api = createClient<paths>({ baseUrl: `${url.replace(/\/+$/, "")}/api/v1`, headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server refused: print its problem details and stop with exit 3. */
function refused(step: string, p: Problem): never {
  console.error(`${step}: ${p.status} ${p.title}: ${p.detail}`);
  for (const [field, message] of Object.entries(p.errors ?? {})) console.error(`  ${field}: ${message}`);
  process.exit(3);
}

// 1. The model exists in the token's team.
const modelName = model.split("@")[0]!;
const models = await api.GET("/models", { params: { query: { q: modelName, limit: 100 } } });
if (models.error) refused("list models", models.error);
const found = models.data.data.find((m) => m.name.toLowerCase() === modelName.toLowerCase());
console.log(found ? `Model ${found.name}: latest version ${found.latestVersion?.version ?? "none"}` : `Model ${modelName} is not registered`);

// 2. Start the evaluation (numbers as numbers) and wait for it.
const created = await api.POST("/evaluations", { body: { kind: "robustness", model, dataset, preset: "quick", sampleCount: samples, seed: 1, shardSize: Math.max(10, samples) } });
if (created.error) refused("start evaluation", created.error);
console.log(`Evaluation #${created.data.number} queued: ${created.data.samples} samples (${created.response.headers.get("location")})`);
let evaluation: components["schemas"]["Evaluation"] = created.data;
while (evaluation.status !== "completed" && evaluation.status !== "failed" && evaluation.status !== "cancelled") {
  await sleep(500);
  const polled = await api.GET("/evaluations/{number}", { params: { path: { number: String(evaluation.number) } } });
  if (polled.error) refused("poll evaluation", polled.error);
  evaluation = polled.data;
  console.log(`  ${evaluation.status} ${(evaluation.progress.fraction * 100).toFixed(0)}% (${evaluation.progress.shardsDone}/${evaluation.progress.shardCount} shards)`);
}
if (evaluation.status !== "completed" || !evaluation.results) {
  console.error(`Evaluation #${evaluation.number} ${evaluation.status}: ${evaluation.failureReason ?? "no results"}`);
  process.exit(1);
}
const r = evaluation.results;
console.log(`Clean accuracy ${(r.cleanAccuracy * 100).toFixed(1)}%; ${r.reliability?.label ?? "evaluation checks not run"}`);
for (const w of r.worstCase) console.log(`  worst case ${w.norm} ${w.eps}: ${(w.robustAccuracy * 100).toFixed(1)}%`);

// 3. Full results: robust accuracy per attack and budget, the evaluation's checks, one record per example.
const results = await api.GET("/evaluations/{number}/results", { params: { path: { number: String(evaluation.number) } } });
if (results.error) refused("results", results.error);
if (results.data.kind !== "robustness") refused("results", { title: "Unexpected", status: 200, detail: `a ${results.data.kind} evaluation` });
const full = results.data;
for (const a of full.metrics.attacks) console.log(`  ${a.attack} ${a.norm} ε=${a.eps}: robust accuracy ${(a.robustAccuracy * 100).toFixed(1)}% (${a.broken} of ${a.attacked} broken)`);
const failing = full.reliability.checks.filter((c) => c.status !== "pass").map((c) => `${c.title} (${c.status})`);
console.log(`Checks: ${full.reliability.verdict}${failing.length ? `; ${failing.join(", ")}` : ""}; replayed breaks ${full.metrics.replay?.replayed ?? 0}`);
const broken = full.records.filter((rec) => rec.cleanCorrect && rec.attacks.some((a) => a.success)).length;
console.log(`Results: ${full.records.length} example records, ${broken} broken by some attack`);

// 4. The release gate for this version.
const gate = await api.GET("/gate", { params: { query: { model } } });
if (gate.error) refused("gate", gate.error);
for (const c of gate.data.checks) console.log(`  ${c.outcome === "pass" ? "PASS" : "FAIL"} ${c.label}: ${c.detail}`);
console.log(`Gate ${gate.data.pass ? "passed" : "failed"} for ${gate.data.model} (${gate.data.tier} tier, evidence ${gate.data.evidenceHash.slice(0, 12)}…)`);

// 5. An audit report of the model: generated on a worker, downloaded, verified.
const report = await api.POST("/reports", { body: { models: [modelName], frameworks: ["nist-ai-rmf"] } });
if (report.error) refused("create report", report.error);
let status = report.data;
while (status.status === "queued" || status.status === "generating") {
  await sleep(500);
  const polled = await api.GET("/reports/{id}", { params: { path: { id: status.id } } });
  if (polled.error) refused("poll report", polled.error);
  status = polled.data;
}
if (status.status === "failed") {
  console.error(`Report ${status.label} failed: ${status.failureReason ?? "unknown"}`);
  process.exit(1);
}
const pdf = await api.GET("/reports/{id}/pdf", { params: { path: { id: status.id } }, parseAs: "arrayBuffer" });
if (pdf.error) refused("download report", pdf.error);
writeFileSync(pdfFile, new Uint8Array(pdf.data));
const sha256 = pdf.response.headers.get("x-content-sha256") ?? "";
const verified = await api.POST("/reports/verify", { body: { sha256 } });
if (verified.error) refused("verify report", verified.error);
console.log(`Report ${status.label}: ${pdfFile} (${pdf.data.byteLength} bytes), ${verified.data.match ? "verified" : "NOT verified"}: ${verified.data.message}`);

process.exit(gate.data.pass ? 0 : 1);
