import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { paths } from "./api-types";
import { ApiError, apiClient, ok, uploadModelVersion, type Api, type Schemas } from "./client";
import { loadConfig, saveConfig } from "./config";
import { formatDuration } from "../lib/duration";
import { describeHardeningCost } from "../lib/hardening/cost-words";
import { bold, dim, formatBytes, green, pct, ProgressBar, red, table } from "./output";

// `bulwark`: the command line for CI/CD pipelines (REST API v1 underneath).
// Exit codes: 0 success, 1 the gate failed or an evaluation did not complete, 2 usage or configuration
// error, 3 the server refused the request or could not be reached.

const USAGE = `Usage: bulwark <command> [options]

  login --url <url> --token <token>        check the token and save both (~/.config/bulwark/config.json)
  whoami                                   the team and role of the token in use
  model push <dir | model.onnx | model.zip> --name <name> [--version <n>] [--card <card.json>] [--description <text>]
                                           upload a TF.js model folder (model.json + weights), an ONNX model
                                           (a .onnx file, or a folder with one .onnx and its external data) or a
                                           .zip of either as a new version
  eval run --model <name@version> --dataset <name@version> [--suite quick|standard] [--samples <n>]
           [--seed <n>] [--eps <list>] [--wait] [--json]
                                           queue an evaluation; with --wait, follow it and print the results
  eval run --kind privacy --model <name@version> --non-members <name@version> [--members <name@version>]
           [--samples <n per set>] [--reference-models <n>] [--reference-epochs <n>] [--seed <n>] [--wait] [--json]
                                           membership inference (members default: the card's training data)
  eval run --kind integrity --model <name@version> [--training <name@version>] [--held-out <name@version>]
           [--samples <n>] [--folds <k>] [--epochs <n>] [--seed <n>] [--wait] [--json]
                                           training-data integrity scan (training data default: the card's lineage)
  eval status <number> [--json]            status, progress and results of one evaluation
  harden --model <name@version> --dataset <name@version> --eps <ε> [--method pgd-at|trades|augment] [--steps <n>]
         [--step-size <a>] [--beta <β>] [--corruptions <list>] [--severity <1-5>] [--noise-std <σ>] [--epochs <n>]
         [--learning-rate <lr>] [--batch-size <n>] [--seed <n>] [--train-count <n>] [--validation-share <s>]
         [--patience <n>] [--wait] [--json]
                                           adversarially fine-tune a version into the model's next version (the
                                           cost is stated first); with --wait, follow it to the new version, its
                                           measured cost and its re-evaluations (exit 1 if it fails or is cancelled)
  harden status --model <name> <run-id> [--json]
  harden cancel --model <name> <run-id> [--json]
  gate --model <name@version> [--framework <id> ...] [--json]
                                           exit 1 unless the version meets the team's policy and has no open
                                           regression alert (and, per --framework, bundled or custom-…, no
                                           control of that framework is failing or stale)
  deploy promote --model <name@version> --env <environment> [--note <text>] [--json]
                                           promote through the gate (exit 1 when the gate blocks it)
  deploy rollback --model <name> --env <environment> [--note <text>] [--json]
                                           return the environment to the last version that passed the gate
  deploy status --model <name> [--env <environment>] [--json]
                                           what each environment runs, and the deployment history
  report create [--title <t>] [--model <name> ...] [--framework <id> ...] [--wait] [--json]
  report download <id> [--output <file.pdf>]
  report verify <file.pdf | sha256> [--json]
  oscal results [--model <name>] [--framework <id> ...] [--output <file.json>]
                                           OSCAL assessment results of the team's (or one model's) posture now
  oscal report <id> [--output <file.json>] OSCAL assessment results of a report (its snapshot's hash, as its PDF)
  oscal component --model <name@version> [--output <file.json>]
                                           OSCAL component definition of a model version
  oscal catalog <framework> [--output <file.json>]
                                           a framework as an OSCAL catalog
  catalog upload <catalog.json> [--framework <custom-id>] [--short-name <name>] [--json]
                                           upload an OSCAL catalog of the team's own (with --framework: the
                                           next version of that catalog)
  catalog list [--json]                    the team's own catalogs and their versions
  catalog mapping download <custom-id> [--output <file.json>]
                                           the evidence mapping of a catalog as a JSON file
  catalog mapping upload <file.json> [--framework <custom-id>] [--json]
                                           replace a catalog's evidence mapping with the file's (the file names
                                           its catalog)

Environment: BULWARK_URL and BULWARK_TOKEN override the saved login (set them as CI secrets).`;

class UsageError extends Error {}

function client(): Api {
  const c = loadConfig();
  if ("missing" in c) throw new UsageError(`Not configured (${c.missing} is missing): run \`bulwark login --url <url> --token <token>\` or set BULWARK_URL and BULWARK_TOKEN.`);
  return apiClient(c);
}

/** A whole-number option, sent as a number; anything else is a usage error naming the flag. */
function intOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) throw new UsageError(`--${flag} takes a whole number, not "${value}".`);
  return Number(value);
}

/** A decimal option (1e-3 allowed), sent as a number; anything else is a usage error naming the flag. */
function numberOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(value.trim())) throw new UsageError(`--${flag} takes a number, not "${value}".`);
  return Number(value);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function login(args: string[]) {
  const { values } = parseArgs({ args, options: { url: { type: "string" }, token: { type: "string" } } });
  if (!values.url || !values.token) throw new UsageError("bulwark login needs --url and --token.");
  const url = values.url.replace(/\/+$/, "");
  const me = ok(await apiClient({ url, token: values.token }).GET("/me"));
  const file = saveConfig({ url, token: values.token });
  console.log(`Signed in to ${url} as ${bold(me.role)} of ${bold(me.team.name)} (${me.team.slug}). Saved to ${file}.`);
}

async function whoami() {
  const me = ok(await client().GET("/me"));
  console.log(`${me.token}: ${me.role} of ${me.team.name} (${me.team.slug})`);
}

/** Files of a folder (not below it) that may be an ONNX model's external data: everything but JSON and the .onnx. */
function onnxFolderFiles(path: string, onnx: string): string[] {
  const others = readdirSync(path, { withFileTypes: true }).filter((e) => e.isFile() && e.name !== onnx && !e.name.toLowerCase().endsWith(".json")).map((e) => join(path, e.name));
  return [join(path, onnx), ...others];
}

/**
 * model.json plus the weight files it lists; a .zip or .onnx file is sent as it is; a folder with one .onnx
 * file is sent with the other files beside it (the server stores only the external data the model reads).
 */
function modelFiles(dir: string): string[] {
  const path = resolve(dir);
  if (!existsSync(path)) throw new UsageError(`${dir} does not exist.`);
  if (statSync(path).isFile()) return [path];
  const onnx = readdirSync(path).filter((n) => n.toLowerCase().endsWith(".onnx"));
  if (onnx.length > 1) throw new UsageError(`${dir} holds ${onnx.length} .onnx files (${onnx.join(", ")}); push one model per version.`);
  if (onnx.length === 1 && !existsSync(join(path, "model.json"))) return onnxFolderFiles(path, onnx[0]);
  const modelJson = join(path, "model.json");
  if (!existsSync(modelJson)) throw new UsageError(`${dir} has no model.json or .onnx file (a TF.js LayersModel folder or an ONNX model is expected).`);
  let manifest: { weightsManifest?: { paths: string[] }[] };
  try {
    manifest = JSON.parse(readFileSync(modelJson, "utf8"));
  } catch {
    throw new UsageError(`${modelJson} is not valid JSON.`);
  }
  const weights = (manifest.weightsManifest ?? []).flatMap((g) => g.paths);
  const missing = weights.filter((w) => !existsSync(join(path, w)));
  if (missing.length) throw new UsageError(`model.json lists weight files that are not in ${dir}: ${missing.join(", ")}.`);
  return [modelJson, ...weights.map((w) => join(path, w))];
}

async function modelPush(args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: "string" }, version: { type: "string" }, card: { type: "string" }, description: { type: "string" }, json: { type: "boolean" } } });
  const dir = positionals[0];
  if (!dir || !values.name) throw new UsageError("bulwark model push <dir | model.onnx | model.zip> --name <name> [--version <n>] [--card <card.json>]");
  const files = modelFiles(dir);
  // A file (model.onnx, model.zip) looks for its card beside it: model.card.json, then bulwark-card.json.
  const isFile = statSync(resolve(dir)).isFile();
  const folder = isFile ? dirname(resolve(dir)) : dir;
  const candidates = [...(isFile ? [join(folder, `${basename(dir).replace(/\.[^.]+$/, "")}.card.json`)] : []), join(folder, "bulwark-card.json"), join(folder, "model-card.json")];
  const cardFile = values.card ?? candidates.find((f) => existsSync(f));
  if (!cardFile) throw new UsageError(`No model card: pass --card <card.json> or put bulwark-card.json ${isFile ? "beside" : "in"} ${dir} (task, inputShape, inputRange, classLabels, intendedUse, outOfScopeUse, riskTier, owner, trainingMethod; for a PyTorch ONNX model also inputLayout "NCHW" and normalization {mean, std}).`);
  const card = readFileSync(cardFile, "utf8");
  try {
    JSON.parse(card);
  } catch {
    throw new UsageError(`${cardFile} is not valid JSON.`);
  }
  const expectedVersion = intOption("version", values.version);
  const fields = { card, ...(expectedVersion !== undefined ? { expectedVersion: String(expectedVersion) } : {}), ...(values.description ? { description: values.description } : {}) };
  const bar = new ProgressBar(`Uploading ${values.name}`);
  const v = await uploadModelVersion(client(), values.name, fields, files, (sent, total) => bar.update(sent / total, `${formatBytes(sent)} / ${formatBytes(total)}`));
  bar.done();
  if (values.json) return console.log(JSON.stringify(v, null, 2));
  console.log(`${green("✓")} ${v.model.name}@${v.version} registered (${v.riskTier} risk), sha256 ${v.digest}`);
  for (const w of v.warnings ?? []) console.log(`  ${dim("warning:")} ${w}`);
}

type EvaluationView = Schemas["CreatedEvaluation"] | Schemas["Evaluation"];
type PrivacyView = NonNullable<Schemas["Evaluation"]["privacy"]>;
type PrivacyTpr = PrivacyView["attacks"][number]["tprAt"][number];

function printPrivacy(e: EvaluationView) {
  const p = e.privacy!;
  console.log(`${bold(`Evaluation #${e.number}`)} (privacy): ${e.model.name}@${e.model.version}, ${p.members} members / ${p.nonMembers} non-members — ${e.status}`);
  const tpr = (t: PrivacyTpr | undefined) => (!t ? "—" : !t.resolvable || t.tpr === null || !t.ci ? `not resolvable (needs ${t.nonMembersNeeded} non-members)` : `${pct(t.tpr)} [${pct(t.ci.low)}, ${pct(t.ci.high)}]`);
  const adv = (a: PrivacyView["attacks"][number]) => (a.advantageCi ? `${pct(a.advantage)} [${pct(a.advantageCi.low)}, ${pct(a.advantageCi.high)}] (chance ≤ ${pct(a.chanceAdvantage ?? 0)})` : pct(a.advantage));
  console.log(table(["attack", "AUC [95%] (chance 0.5)", "advantage [95%]", "TPR@1%FPR (chance 1%)", "TPR@0.1%FPR (chance 0.1%)"], p.attacks.map((a) => [a.attack, `${a.auc.toFixed(3)} [${a.aucCi.low.toFixed(3)}, ${a.aucCi.high.toFixed(3)}]`, adv(a), tpr(a.tprAt.find((t) => t.fpr === 0.01)), tpr(a.tprAt.find((t) => t.fpr === 0.001))])));
  if (p.interpretation && p.attacks.length > 1) console.log(dim(`Each row is one attack at 95%; the reading below takes the best of ${p.interpretation.attacksTried} and widens its intervals to ${pct(p.interpretation.adjustedLevel, 2)} each (Bonferroni).`));
  console.log(p.reading);
}

/** The server's words for the verdict ("Evaluation checks passed"); older servers send only the stored value. */
function checksWords(r: { verdict: string; label?: string }): string {
  return r.label ?? `evaluation checks: ${r.verdict}`;
}

function printResults(e: EvaluationView) {
  if (e.privacy) return printPrivacy(e);
  console.log(`${bold(`Evaluation #${e.number}`)}: ${e.model.name}@${e.model.version} on ${e.dataset.name}@${e.dataset.version}, ${e.samples} samples — ${e.status}`);
  if (e.failureReason) console.log(red(`  ${e.failureReason}`));
  if (e.integrity) {
    const ev = e.integrity.evidence;
    console.log(`Live backdoors: ${ev.liveBackdoors.length ? red(ev.liveBackdoors.join(", ")) : "none"}; flagged classes: ${ev.flaggedClasses.join(", ") || "none"}; likely mislabelled: ${ev.suspectedMislabelShare === null ? "not scanned" : pct(ev.suspectedMislabelShare)}; leakage groups: ${ev.leakageGroups ?? "not checked"}; ${e.integrity.reliability ? bold(checksWords(e.integrity.reliability)) : "evaluation checks not run"}`);
    for (const line of e.integrity.reading) console.log(`  ${line}`);
    const tests = e.integrity.backdoor?.triggerTests ?? [];
    if (tests.length) {
      console.log(dim(`Trigger tests, strongest 5 of ${tests.length} (all: the API's integrity.backdoor.triggerTests):`));
      console.log(table(["target", "patch", "kind", "flipped [95%]", "control [95%]", "live"], tests.slice(0, 5).map((t) => [t.target, t.patch, t.kind ?? "", `${pct(t.flipRate)} [${pct(t.interval[0])}, ${pct(t.interval[1])}]`, t.controlInterval ? `${pct(t.controlRate)} [${pct(t.controlInterval[0])}, ${pct(t.controlInterval[1])}]` : pct(t.controlRate), t.live ? red("live") : "no"])));
    }
    return;
  }
  const r = e.results;
  if (!r) return;
  console.log(`Clean accuracy ${bold(pct(r.cleanAccuracy))}; ${r.reliability ? bold(checksWords(r.reliability)) : "evaluation checks not run"}`);
  // A model that does not classify its clean inputs: say so before any robustness figure.
  if (r.cleanAccuracyWarning) console.log(red(`${r.cleanAccuracyWarning.headline}. ${r.cleanAccuracyWarning.explanation}`));
  const keys = [...new Set(r.attacks.map((a) => `${a.norm}:${a.eps}`))];
  const attacks = [...new Set(r.attacks.map((a) => a.attack))];
  const head = ["attack", ...keys.map((k) => `${k.split(":")[0] === "linf" ? "Linf" : "L2"} ${k.split(":")[1]}`)];
  const rows = attacks.map((name) => [name, ...keys.map((k) => pct(r.attacks.find((a) => a.attack === name && `${a.norm}:${a.eps}` === k)?.robustAccuracy))]);
  rows.push([bold("worst case"), ...keys.map((k) => bold(pct(r.worstCase.find((w) => `${w.norm}:${w.eps}` === k)?.robustAccuracy)))]);
  console.log(table(head, rows));
  for (const reason of r.reliability?.reasons ?? []) console.log(`  ${dim("check:")} ${reason}`);
}

async function follow(api: Api, number: number): Promise<EvaluationView> {
  const bar = new ProgressBar(`Evaluation #${number}`);
  for (;;) {
    const e = ok(await api.GET("/evaluations/{number}", { params: { path: { number: String(number) } } }));
    if (["completed", "failed", "cancelled"].includes(e.status)) {
      if (e.status === "completed") bar.done();
      else process.stderr.write("\n");
      return e;
    }
    const eta = e.progress.etaSeconds ? `ETA ${Math.ceil(e.progress.etaSeconds)} s` : e.status;
    bar.update(e.progress.fraction, `${e.progress.shardsDone}/${e.progress.shardCount} shards, ${eta}`);
    await sleep(1000);
  }
}

async function evalCmd(args: string[]) {
  const [sub, ...rest] = args;
  if (sub === "run") {
    const { values } = parseArgs({ args: rest, options: { kind: { type: "string", default: "robustness" }, model: { type: "string" }, dataset: { type: "string" }, suite: { type: "string", default: "standard" }, samples: { type: "string" }, seed: { type: "string" }, eps: { type: "string" }, "shard-size": { type: "string" }, members: { type: "string" }, "non-members": { type: "string" }, "reference-models": { type: "string" }, "reference-epochs": { type: "string" }, training: { type: "string" }, "held-out": { type: "string" }, folds: { type: "string" }, epochs: { type: "string" }, wait: { type: "boolean" }, json: { type: "boolean" } } });
    const api = client();
    let created: Schemas["CreatedEvaluation"];
    if (values.kind === "privacy") {
      if (!values.model || !values["non-members"]) throw new UsageError("bulwark eval run --kind privacy --model <name@version> --non-members <name@version> [--members <name@version>] [--wait]");
      created = ok(await api.POST("/evaluations", { body: {
        kind: "privacy", model: values.model, nonMemberDataset: values["non-members"], ...(values.members ? { memberDataset: values.members } : {}),
        samplesPerSet: intOption("samples", values.samples), seed: intOption("seed", values.seed),
        referenceModels: intOption("reference-models", values["reference-models"]), referenceEpochs: intOption("reference-epochs", values["reference-epochs"]),
      } }));
      if (!values.json) {
        console.error(`Queued privacy evaluation #${created.number}: ${created.model.name}@${created.model.version}, members ${created.dataset.name}@${created.dataset.version}, ${created.samples} members + non-members.`);
        if (created.privacyCost) console.error(`  ${dim("cost:")} ${created.privacyCost.summary}`);
      }
    } else if (values.kind === "integrity") {
      if (!values.model) throw new UsageError("bulwark eval run --kind integrity --model <name@version> [--training <name@version>] [--held-out <name@version>] [--samples N] [--folds K] [--epochs E] [--wait]");
      created = ok(await api.POST("/evaluations", { body: {
        kind: "integrity", model: values.model, ...(values.training ? { trainingDataset: values.training } : {}), ...(values["held-out"] ? { heldOutDataset: values["held-out"] } : {}),
        sampleCount: intOption("samples", values.samples), folds: intOption("folds", values.folds), epochs: intOption("epochs", values.epochs), seed: intOption("seed", values.seed),
      } }));
      if (!values.json) {
        console.error(`Queued integrity scan #${created.number}: ${created.model.name}@${created.model.version}, training data ${created.dataset.name}@${created.dataset.version}, ${created.samples} examples.`);
        if (created.integrityCost) console.error(`  ${dim("cost:")} ${created.integrityCost.summary}`);
        for (const w of created.warnings ?? []) console.error(`  ${dim("warning:")} ${w}`);
      }
    } else if (values.kind === "robustness") {
      if (!values.model || !values.dataset) throw new UsageError("bulwark eval run --model <name@version> --dataset <name@version> [--suite quick|standard] [--wait]");
      const preset = values.suite;
      if (preset !== "quick" && preset !== "standard" && preset !== "custom") throw new UsageError(`--suite is quick or standard, not "${preset}".`);
      created = ok(await api.POST("/evaluations", { body: {
        kind: "robustness", model: values.model, dataset: values.dataset, preset, sampleCount: intOption("samples", values.samples) ?? "all",
        seed: intOption("seed", values.seed), ...(values.eps ? { linfEpsilons: values.eps } : {}), shardSize: intOption("shard-size", values["shard-size"]),
      } }));
      if (!values.json) {
        console.error(`Queued evaluation #${created.number}: ${created.model.name}@${created.model.version} on ${created.dataset.name}@${created.dataset.version}, ${created.samples} samples (${values.suite}).`);
        for (const w of created.warnings ?? []) console.error(`  ${dim("warning:")} ${w}`);
      }
    } else {
      throw new UsageError(`--kind is robustness, privacy or integrity, not "${values.kind}".`);
    }
    if (!values.wait) {
      if (values.json) console.log(JSON.stringify(created, null, 2));
      return 0;
    }
    const done = await follow(api, created.number);
    if (values.json) console.log(JSON.stringify(done, null, 2));
    else printResults(done);
    return done.status === "completed" ? 0 : 1;
  }
  if (sub === "status") {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: "boolean" } } });
    const n = Number(positionals[0]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError("bulwark eval status <number>");
    const e = ok(await client().GET("/evaluations/{number}", { params: { path: { number: String(n) } } }));
    if (values.json) console.log(JSON.stringify(e, null, 2));
    else if (e.results || e.privacy || e.integrity) printResults(e);
    else console.log(`Evaluation #${e.number}: ${e.status}, ${(e.progress.fraction * 100).toFixed(0)}% (${e.progress.shardsDone}/${e.progress.shardCount} shards)${e.failureReason ? ` — ${e.failureReason}` : ""}`);
    return 0;
  }
  throw new UsageError("bulwark eval run|status …");
}

type HardeningRun = Schemas["HardeningRun"];
type HardeningBody = paths["/models/{name}/hardening"]["post"]["requestBody"]["content"]["application/json"];
const HARDENING_METHODS = ["pgd-at", "trades", "augment"] as const satisfies readonly HardeningBody["params"]["method"][];
type Corruption = NonNullable<HardeningBody["params"]["corruptions"]>[number];

function printHardening(r: HardeningRun) {
  const lineage = `${r.model.name} v${r.parentVersion.version} on ${r.datasetVersion.name}@${r.datasetVersion.version} (${r.trainCount.toLocaleString("en")} examples, ${r.params.method}, ε ${r.params.eps})`;
  if (r.status === "completed" && r.hardenedVersion) {
    console.log(`${green("✓")} ${bold(`${r.model.name}@${r.hardenedVersion.version}`)} registered: hardened from ${lineage}`);
  } else {
    console.log(`Hardening run ${r.id}: ${r.status === "failed" || r.status === "cancelled" ? red(r.status) : r.status} — ${lineage}, epoch ${r.progress.epoch} of ${r.progress.epochs}`);
  }
  if (r.error) console.log(red(`  ${r.error}`));
  console.log(`  ${dim("estimated:")} about ${formatDuration(r.estimate.estimatedSeconds)} at ${Math.round(r.estimate.rate)} gradients/s (${r.estimate.rateSource})`);
  if (r.cost) console.log(`  ${dim(r.status === "completed" ? "measured:" : "so far:")} ${describeHardeningCost(r.cost)}`);
  if (r.status !== "completed") return;
  if (r.evaluations.length) {
    for (const e of r.evaluations) console.log(`  ${dim("re-evaluation:")} evaluation #${e.number} (${e.status}): bulwark eval status ${e.number}`);
  } else {
    console.log(`  ${dim("not re-evaluated:")} v${r.parentVersion.version} has no completed evaluation to repeat; evaluate both versions on the same examples to compare them.`);
  }
}

async function followHardening(api: Api, name: string, run: HardeningRun): Promise<HardeningRun> {
  const bar = new ProgressBar(`Hardening ${name} v${run.parentVersion.version}`);
  for (;;) {
    if (!["queued", "running"].includes(run.status)) {
      if (run.status === "completed") bar.done();
      else process.stderr.write("\n");
      return run;
    }
    const { epoch, epochs, examplesDone, examplesPerEpoch } = run.progress;
    bar.update((epoch + (examplesPerEpoch ? examplesDone / examplesPerEpoch : 0)) / epochs, run.status === "queued" ? "queued" : `epoch ${Math.min(epoch + 1, epochs)} of ${epochs}`);
    await sleep(1000);
    run = ok(await api.GET("/models/{name}/hardening/{id}", { params: { path: { name, id: run.id } } }));
  }
}

async function harden(args: string[]): Promise<number> {
  const api = client();
  const json = { type: "boolean" } as const;
  if (args[0] === "status" || args[0] === "cancel") {
    const { values, positionals } = parseArgs({ args: args.slice(1), allowPositionals: true, options: { model: { type: "string" }, json } });
    if (!values.model || !positionals[0]) throw new UsageError(`bulwark harden ${args[0]} --model <name> <run-id>`);
    const path = { name: values.model, id: positionals[0] };
    const r = args[0] === "status" ? ok(await api.GET("/models/{name}/hardening/{id}", { params: { path } })) : ok(await api.POST("/models/{name}/hardening/{id}/cancel", { params: { path } }));
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else printHardening(r);
    return 0;
  }
  const str = { type: "string" } as const;
  const { values } = parseArgs({ args, options: {
    model: str, dataset: str, method: { type: "string", default: "pgd-at" }, eps: str, steps: { type: "string", default: "5" }, "step-size": str, beta: str,
    corruptions: str, severity: str, "noise-std": str, epochs: { type: "string", default: "2" }, "learning-rate": { type: "string", default: "0.001" },
    "batch-size": { type: "string", default: "32" }, seed: { type: "string", default: "0" }, "train-count": str, "validation-share": str, patience: str, wait: { type: "boolean" }, json,
  } });
  const m = /^(.+)@(\d+|latest)$/.exec(values.model ?? "");
  if (!m || !values.dataset) throw new UsageError("bulwark harden --model <name@version> --dataset <name@version> --eps <ε> [--method pgd-at|trades|augment] [--epochs <n>] [--wait]");
  const method = HARDENING_METHODS.find((x) => x === values.method);
  if (!method) throw new UsageError(`--method is one of ${HARDENING_METHODS.join(", ")}, not "${values.method}".`);
  const eps = numberOption("eps", values.eps);
  if (eps === undefined) throw new UsageError("--eps is required: the L∞ budget of the training attack (and of the validation attack) in the model's input units, e.g. 0.1 for inputs in 0..1.");
  const name = m[1]!;
  const body: HardeningBody = {
    version: m[2] === "latest" ? "latest" : Number(m[2]),
    dataset: values.dataset,
    trainCount: intOption("train-count", values["train-count"]),
    params: {
      method, eps, steps: intOption("steps", values.steps)!, stepSize: numberOption("step-size", values["step-size"]), beta: numberOption("beta", values.beta),
      corruptions: values.corruptions?.split(",").map((c) => c.trim()).filter(Boolean) as Corruption[] | undefined,
      severity: intOption("severity", values.severity), noiseStd: numberOption("noise-std", values["noise-std"]),
      epochs: intOption("epochs", values.epochs)!, learningRate: numberOption("learning-rate", values["learning-rate"])!, batchSize: intOption("batch-size", values["batch-size"])!,
      seed: intOption("seed", values.seed)!, validationShare: numberOption("validation-share", values["validation-share"]), patience: intOption("patience", values.patience),
    },
  };
  let run = ok(await api.POST("/models/{name}/hardening", { params: { path: { name } }, body }));
  if (!values.json) {
    console.error(`Queued hardening run ${run.id}: ${run.model.name} v${run.parentVersion.version} on ${run.datasetVersion.name}@${run.datasetVersion.version}, ${run.trainCount.toLocaleString("en")} examples, ${run.params.method}.`);
    console.error(`  ${dim("cost:")} ${run.estimate.summary}`);
  }
  if (values.wait) run = await followHardening(api, name, run);
  if (values.json) console.log(JSON.stringify(run, null, 2));
  else if (values.wait) printHardening(run);
  return run.status === "failed" || run.status === "cancelled" ? 1 : 0;
}

async function gate(args: string[]) {
  const { values } = parseArgs({ args, options: { model: { type: "string" }, framework: { type: "string", multiple: true }, json: { type: "boolean" } } });
  if (!values.model) throw new UsageError("bulwark gate --model <name@version> [--framework <id> ...]");
  const query = { model: values.model, ...(values.framework?.length ? { frameworks: values.framework.join(",") } : {}) };
  const g = ok(await client().GET("/gate", { params: { query } }));
  if (values.json) {
    console.log(JSON.stringify(g, null, 2));
  } else {
    console.log(`${bold(g.model)} — ${g.tier}-risk tier, policy ${g.policyVersion ? `v${g.policyVersion}` : "default"}${g.evaluationNumber ? `, evidence: evaluation #${g.evaluationNumber}` : ""}`);
    console.log(table(["check", "result", "detail"], g.checks.map((c) => [c.label, c.outcome === "pass" ? green("PASS") : red("FAIL"), c.detail])));
    console.log(g.pass ? green(`\nGate passed: ${g.model} meets the team's policy.`) : red(`\nGate failed: ${g.checks.filter((c) => c.outcome !== "pass").length} check(s) failed for ${g.model}.`));
  }
  return g.pass ? 0 : 1;
}

async function deploy(args: string[]) {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { model: { type: "string" }, env: { type: "string" }, note: { type: "string" }, json: { type: "boolean" } } });
  const api = client();
  if (sub === "promote" || sub === "rollback") {
    if (!values.model || !values.env) throw new UsageError(`bulwark deploy ${sub} --model <${sub === "promote" ? "name@version" : "name"}> --env <environment>`);
    const body = { model: values.model, environment: values.env, ...(values.note ? { note: values.note } : {}) };
    let d: Schemas["Promote"] | Schemas["Rollback"];
    try {
      d = sub === "promote" ? ok(await api.POST("/deployments/promote", { body })) : ok(await api.POST("/deployments/rollback", { body }));
    } catch (e) {
      // 409: the gate blocked the promotion, or there is nothing to roll back to. A refusal, not an outage.
      if (e instanceof ApiError && e.status === 409) {
        if (values.json) console.log(JSON.stringify({ refused: true, detail: e.message }, null, 2));
        else console.error(red(`Refused: ${e.message}`));
        return 1;
      }
      throw e;
    }
    if (values.json) console.log(JSON.stringify(d, null, 2));
    else if (sub === "promote") console.log(green(`Promoted ${d.model} v${d.version} to ${d.environment}`) + ` (${d.gatePassed ? "gate passed" : `gate failed, override ${d.override}`}; evidence sha256 ${d.evidenceHash}).`);
    else if ("fromVersion" in d) console.log(green(`Rolled ${d.environment} back from ${d.model} v${d.fromVersion} to v${d.version}`) + ` (the last version that passed the gate).`);
    return 0;
  }
  if (sub === "status") {
    if (!values.model) throw new UsageError("bulwark deploy status --model <name> [--env <environment>]");
    const s = ok(await api.GET("/deployments", { params: { query: { model: values.model, ...(values.env ? { environment: values.env } : {}) } } }));
    if (values.json) {
      console.log(JSON.stringify(s, null, 2));
      return 0;
    }
    console.log(bold(s.model));
    console.log(s.environments.length ? table(["environment", "version", "since", "how", "gate"], s.environments.map((e) => [e.environment, `v${e.version}`, e.since ?? "", e.kind, e.gatePassed ? green("passed") : red("overridden")])) : dim("Not deployed anywhere yet."));
    if (s.history.length) console.log(`\n${table(["when", "environment", "decision", "version", "gate", "by"], s.history.map((h) => [h.at ?? "", h.environment, h.kind, `v${h.version}`, h.gatePassed ? "passed" : h.override ? "override" : "failed", h.by]))}`);
    return 0;
  }
  throw new UsageError("bulwark deploy promote|rollback|status …");
}

type Framework = NonNullable<paths["/reports"]["post"]["requestBody"]["content"]["application/json"]["frameworks"]>[number];
/** The frameworks a report may cover (the compiler checks the list against the API's). */
const FRAMEWORKS = ["nist-ai-rmf", "iso-42001", "eu-ai-act", "iso-23894", "iso-24029", "mitre-atlas"] as const satisfies readonly Framework[];
const isFramework = (f: string): f is Framework => (FRAMEWORKS as readonly string[]).includes(f);

async function report(args: string[]) {
  const [sub, ...rest] = args;
  const api = client();
  if (sub === "create") {
    const { values } = parseArgs({ args: rest, options: { title: { type: "string" }, model: { type: "string", multiple: true }, framework: { type: "string", multiple: true }, wait: { type: "boolean" }, json: { type: "boolean" } } });
    const frameworks = values.framework?.map((f) => {
      if (!isFramework(f)) throw new UsageError(`--framework is one of ${FRAMEWORKS.join(", ")}, not "${f}".`);
      return f;
    });
    let r = ok(await api.POST("/reports", { body: { ...(values.title ? { title: values.title } : {}), ...(values.model ? { models: values.model } : {}), ...(frameworks ? { frameworks } : {}) } }));
    if (values.wait) {
      const bar = new ProgressBar(`Report ${r.number}`);
      while (r.status === "queued" || r.status === "generating") {
        bar.update(r.status === "queued" ? 0.1 : 0.5, r.status);
        await sleep(1000);
        r = ok(await api.GET("/reports/{id}", { params: { path: { id: r.id } } }));
      }
      bar.done(r.status);
    }
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else console.log(`Report ${r.number} (${r.id}): ${r.status}${r.snapshotSha256 ? `, snapshot sha256 ${r.snapshotSha256}` : ""}${r.failureReason ? ` — ${r.failureReason}` : ""}`);
    return r.status === "failed" ? 1 : 0;
  }
  if (sub === "download") {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { output: { type: "string", short: "o" } } });
    if (!positionals[0]) throw new UsageError("bulwark report download <id> [--output file.pdf]");
    const pdf = await api.GET("/reports/{id}/pdf", { params: { path: { id: positionals[0] } }, parseAs: "arrayBuffer" });
    const bytes = Buffer.from(ok(pdf));
    const res = pdf.response;
    const name = values.output ?? /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `report-${positionals[0]}.pdf`;
    writeFileSync(name, bytes);
    console.log(`Saved ${name} (${formatBytes(bytes.length)}, sha256 ${res.headers.get("x-content-sha256") ?? "?"})`);
    return 0;
  }
  if (sub === "verify") {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: "boolean" } } });
    const target = positionals[0];
    if (!target) throw new UsageError("bulwark report verify <file.pdf | sha256>");
    // A SHA-256 is 64 hexadecimal characters; anything else names a file, which must exist.
    const isHash = /^[0-9a-f]{64}$/i.test(target);
    if (!isHash && !existsSync(target)) throw new UsageError(`file not found: ${target} (give a report PDF or its SHA-256).`);
    const v = isHash
      ? ok(await api.POST("/reports/verify", { body: { sha256: target.toLowerCase() } }))
      : ok(await api.POST("/reports/verify", { body: target, bodySerializer: () => readFileSync(target), headers: { "content-type": "application/pdf" } }));
    if (values.json) console.log(JSON.stringify(v, null, 2));
    else console.log(v.match ? green(`✓ ${v.message}`) : red(`✗ ${v.message}`));
    return v.match ? 0 : 1;
  }
  throw new UsageError("bulwark report create|download|verify …");
}

/** Writes a downloaded OSCAL document and says where, with its SHA-256 (and the snapshot's, for results). */
function saveOscal(r: Parameters<typeof ok<string>>[0], output: string | undefined, fallback: string): number {
  const text = ok(r);
  const name = output ?? /filename="([^"]+)"/.exec(r.response.headers.get("content-disposition") ?? "")?.[1] ?? fallback;
  writeFileSync(name, text);
  const snapshot = r.response.headers.get("x-snapshot-sha256");
  console.log(`Saved ${name} (${formatBytes(Buffer.byteLength(text))}, sha256 ${r.response.headers.get("x-content-sha256") ?? "?"}${snapshot ? `, snapshot sha256 ${snapshot}` : ""})`);
  return 0;
}

async function oscal(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const api = client();
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { output: { type: "string", short: "o" }, model: { type: "string" }, framework: { type: "string", multiple: true } } });
  if (sub === "results") {
    const frameworks = values.framework?.map((f) => {
      if (!isFramework(f)) throw new UsageError(`--framework is one of ${FRAMEWORKS.join(", ")}, not "${f}".`);
      return f;
    });
    const query = { ...(values.model ? { model: values.model } : {}), ...(frameworks ? { frameworks: frameworks.join(",") } : {}) };
    return saveOscal(await api.GET("/oscal/assessment-results", { params: { query }, parseAs: "text" }), values.output, "oscal-assessment-results.json");
  }
  if (sub === "report") {
    if (!positionals[0]) throw new UsageError("bulwark oscal report <id> [--output file.json]");
    return saveOscal(await api.GET("/reports/{id}/oscal", { params: { path: { id: positionals[0] } }, parseAs: "text" }), values.output, `report-${positionals[0]}-oscal.json`);
  }
  if (sub === "component") {
    const m = /^(.+)@(\d+|latest)$/.exec(values.model ?? "");
    if (!m) throw new UsageError("bulwark oscal component --model <name@version> [--output file.json]");
    return saveOscal(await api.GET("/models/{name}/versions/{version}/oscal", { params: { path: { name: m[1]!, version: m[2]! } }, parseAs: "text" }), values.output, `${m[1]}-v${m[2]}-oscal-component.json`);
  }
  if (sub === "catalog") {
    if (!positionals[0]) throw new UsageError(`bulwark oscal catalog <framework> (one of ${FRAMEWORKS.join(", ")})`);
    return saveOscal(await api.GET("/oscal/catalogs/{framework}", { params: { path: { framework: positionals[0] } }, parseAs: "text" }), values.output, `${positionals[0]}-oscal-catalog.json`);
  }
  throw new UsageError("bulwark oscal results|report|component|catalog …");
}

/** The JSON of a file named on the command line, or a usage error saying what is wrong with it. */
function jsonFile(path: string): { text: string; doc: unknown } {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${path} is not a file.`);
  const text = readFileSync(path, "utf8");
  try {
    return { text, doc: JSON.parse(text) };
  } catch {
    throw new UsageError(`${path} is not valid JSON.`);
  }
}

async function catalog(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const api = client();
  if (sub === "upload") {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { framework: { type: "string" }, "short-name": { type: "string" }, json: { type: "boolean" } } });
    if (!positionals[0]) throw new UsageError("bulwark catalog upload <catalog.json> [--framework <custom-id>] [--short-name <name>]");
    const { text } = jsonFile(positionals[0]);
    const form = new FormData();
    form.set("file", new Blob([text], { type: "application/json" }), basename(positionals[0]));
    if (values.framework) form.set("framework", values.framework);
    if (values["short-name"]) form.set("shortName", values["short-name"]);
    const c = ok(await api.POST("/oscal/catalogs", { body: { file: "" }, bodySerializer: () => form }));
    if (values.json) console.log(JSON.stringify(c, null, 2));
    else console.log(`${green("✓")} ${c.shortName}: ${c.framework} version ${c.version} (${c.controls} controls, catalog version ${c.catalogVersion}), sha256 ${c.sha256}`);
    return 0;
  }
  if (sub === "list") {
    const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } } });
    const { catalogs } = ok(await api.GET("/oscal/catalogs"));
    if (values.json) console.log(JSON.stringify(catalogs, null, 2));
    else if (!catalogs.length) console.log("No catalogs of the team's own.");
    else console.log(table(["framework", "version", "title", "controls", "sha256", "uploaded"], catalogs.map((c) => [c.framework, `v${c.version}${c.current ? " (assessed)" : ""}${c.restoredFrom ? ` = v${c.restoredFrom}` : ""}`, c.title, String(c.controls), c.sha256.slice(0, 12), `${c.uploadedBy}, ${c.uploadedAt.slice(0, 10)}`])));
    return 0;
  }
  if (sub === "mapping") {
    const [action, ...more] = rest;
    const { values, positionals } = parseArgs({ args: more, allowPositionals: true, options: { output: { type: "string", short: "o" }, framework: { type: "string" }, json: { type: "boolean" } } });
    if (action === "download") {
      const framework = positionals[0];
      if (!framework) throw new UsageError("bulwark catalog mapping download <custom-id> [--output file.json]");
      const m = ok(await api.GET("/oscal/catalogs/{framework}/mapping", { params: { path: { framework } } }));
      const name = values.output ?? `${framework}-mapping.json`;
      writeFileSync(name, `${JSON.stringify(m, null, 2)}\n`);
      console.log(`Saved ${name} (${m.entries.length} entries, ${m.framework} version ${m.catalogVersion})`);
      return 0;
    }
    if (action === "upload") {
      if (!positionals[0]) throw new UsageError("bulwark catalog mapping upload <file.json> [--framework <custom-id>]");
      const { doc } = jsonFile(positionals[0]);
      const framework = values.framework ?? (doc as { framework?: unknown }).framework;
      if (typeof framework !== "string" || !framework) throw new UsageError(`${positionals[0]} names no catalog ("framework"): pass --framework <custom-id>.`);
      const r = ok(await api.POST("/oscal/catalogs/{framework}/mapping", { params: { path: { framework } }, body: doc as paths["/oscal/catalogs/{framework}/mapping"]["post"]["requestBody"]["content"]["application/json"] }));
      if (values.json) console.log(JSON.stringify(r, null, 2));
      else console.log(`${green("✓")} ${r.framework} version ${r.catalogVersion}: ${r.entries} entries (${r.added} added, ${r.changed} changed, ${r.removed} removed)`);
      return 0;
    }
    throw new UsageError("bulwark catalog mapping download|upload …");
  }
  throw new UsageError("bulwark catalog upload|list|mapping …");
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  try {
    switch (cmd) {
      case "login": await login(args); return 0;
      case "whoami": await whoami(); return 0;
      case "model":
        if (args[0] !== "push") throw new UsageError("bulwark model push <dir> --name <name>");
        await modelPush(args.slice(1));
        return 0;
      case "eval": return await evalCmd(args);
      case "harden": return await harden(args);
      case "gate": return await gate(args);
      case "report": return await report(args);
      case "deploy": return await deploy(args);
      case "oscal": return await oscal(args);
      case "catalog": return await catalog(args);
      case undefined: case "help": case "--help": case "-h":
        console.log(USAGE);
        return cmd ? 0 : 2;
      default:
        throw new UsageError(`Unknown command "${cmd}".\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`bulwark: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof ApiError) {
      console.error(red(`bulwark: ${e.message}`));
      for (const [field, msg] of Object.entries(e.errors ?? {})) console.error(`  ${field}: ${msg}`);
      return 3;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
