import { verdictLabel } from "../engine/verdict-words";
import type { BeyondEvidence, EvaluationEvidence, EvidenceLink, ModelEvidence } from "./engine-types";
import { normLabel, pct, TIER_LABELS } from "./policy";
import {
  byNewest, decidingEvaluation, EPS_TOL, evalDatasetLink, evalLink, modelLabel, modelLink, short, stale, staleReason, suiteShortfalls, verdictAccepted,
  type Ctx, type KindFinding,
} from "./rule-helpers";

// The rules for evidence that Bulwark measures: robustness (E1), the evaluation checks (E2), the test
// record (E3), membership inference (E7), calibration and OOD (E13), corruptions (E14) and the
// training-data integrity scan (E15). One finding per model; engine.ts combines them per control.

export function e1Robustness(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered, so no robustness has been measured.", next: "Register a model and run an evaluation.", links: [] };
  const ml = modelLabel(m);
  if (m.evaluations.length === 0) {
    return { outcome: "missing", reason: `${ml} has no completed evaluation.`, next: `Run an evaluation of ${ml} that meets the required suite.`, links: [modelLink(m)] };
  }
  const e = decidingEvaluation(m, c.tp);
  if (!e) {
    const latest = [...m.evaluations].sort(byNewest)[0];
    return {
      outcome: "partial",
      reason: `Evaluation #${latest.number} of ${ml} does not meet the required suite for ${TIER_LABELS[c.tier].toLowerCase()}-risk models: ${suiteShortfalls(latest, c.tp).join("; ")}.`,
      next: `Run an evaluation with the required suite (at least ${c.tp.requiredSuite.minAttacks} attacks, ${c.tp.requiredSuite.minSampleCount} samples${c.tp.thresholds.length ? `, budgets ${c.tp.thresholds.map((t) => `${normLabel(t.norm)} ${t.eps}`).join(", ")}` : ""}).`,
      links: [evalLink(latest), modelLink(m)],
    };
  }
  const links: EvidenceLink[] = [evalLink(e), modelLink(m), evalDatasetLink(e)];
  if (!verdictAccepted(e.verdict, c.tp)) {
    const why = e.reliabilityReasons[0] ? `: ${e.reliabilityReasons[0]}` : "";
    return {
      outcome: "fail",
      reason: `${ml}: evaluation #${e.number} is ${e.verdict ? `${e.verdict} (${verdictLabel(e.verdict).toLowerCase()}${why})` : "not checked"}; the policy requires its checks ${c.tp.requiredVerdict === "reliable" ? "passed" : "passed, or passed with warnings"}, so its numbers cannot show robustness.`,
      next: "Look at the evaluation's checks (gradient masking, attack strength, clean accuracy against chance), fix the cause and re-run it.",
      links,
    };
  }
  const fails: string[] = [];
  const passes: string[] = [];
  for (const t of c.tp.thresholds) {
    const w = e.worstCase.find((x) => x.norm === t.norm && Math.abs(x.eps - t.eps) < EPS_TOL)!;
    const ok = w.robustAccuracy >= t.min;
    const text = `worst-case robust accuracy ${pct(w.robustAccuracy, 1)} ${ok ? "≥" : "<"} ${pct(t.min)} at ${normLabel(t.norm)} ${t.eps}`;
    (ok ? passes : fails).push(text);
    links.push(evalLink(e, { metric: `worst-case robust accuracy ${normLabel(t.norm)} ${t.eps}`, value: w.robustAccuracy, threshold: t.min, label: `Evaluation #${e.number}: ${text}` }));
  }
  if (c.tp.minCleanAccuracy !== null && e.cleanAccuracy !== null) {
    const ok = e.cleanAccuracy >= c.tp.minCleanAccuracy;
    const text = `clean accuracy ${pct(e.cleanAccuracy, 1)} ${ok ? "≥" : "<"} ${pct(c.tp.minCleanAccuracy)}`;
    (ok ? passes : fails).push(text);
    links.push(evalLink(e, { metric: "clean accuracy", value: e.cleanAccuracy, threshold: c.tp.minCleanAccuracy, label: `Evaluation #${e.number}: ${text}` }));
  }
  const verdictNote = e.verdict === "questionable" ? " (evaluation checks with warnings, accepted by the policy)" : "";
  if (stale(c, e.finishedAt)) {
    return {
      outcome: "stale",
      reason: `${ml}: ${staleReason(c, `evaluation #${e.number}`, e.finishedAt)} (it measured ${[...fails, ...passes].join(", ") || "no thresholded metric"}).`,
      next: `Re-run the evaluation of ${ml}, or schedule it.`,
      links,
    };
  }
  if (fails.length) {
    return { outcome: "fail", reason: `${ml}: ${fails.join("; ")} (evaluation #${e.number}).`, next: `Harden ${m.name} (e.g. adversarial training), register the new version and evaluate it; or record a documented risk acceptance.`, links };
  }
  if (c.tp.thresholds.length === 0) {
    return { outcome: "pass", reason: `${ml}: evaluation #${e.number} meets the required suite; the ${TIER_LABELS[c.tier].toLowerCase()}-risk policy sets no robustness threshold${verdictNote}.`, next: null, links };
  }
  return { outcome: "pass", reason: `${ml}: ${passes.join("; ")} (evaluation #${e.number}${verdictNote}).`, next: null, links };
}

export function e2Reliability(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const e = decidingEvaluation(m, c.tp) ?? [...m.evaluations].sort(byNewest)[0];
  if (!e) return { outcome: "missing", reason: `${modelLabel(m)} has no completed evaluation, so no evaluation checks have run.`, next: `Run an evaluation of ${modelLabel(m)}.`, links: [modelLink(m)] };
  const links = [evalLink(e, { metric: "evaluation checks" })];
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${modelLabel(m)}: ${staleReason(c, `the checks of evaluation #${e.number}`, e.finishedAt)}.`, next: "Re-run the evaluation.", links };
  if (e.verdict === "reliable") return { outcome: "pass", reason: `${modelLabel(m)}: evaluation #${e.number} passed its evaluation checks (no sign of gradient masking or weak attacks; clean accuracy clearly above chance). This says its numbers can be trusted, not that the model is robust.`, next: null, links };
  if (e.verdict === "questionable") {
    return {
      outcome: c.tp.requiredVerdict === "questionable" ? "pass" : "fail",
      reason: `${modelLabel(m)}: evaluation #${e.number} is questionable (its checks passed with warnings)${e.reliabilityReasons[0] ? `: ${e.reliabilityReasons[0]}` : ""}${c.tp.requiredVerdict === "reliable" ? "; the policy requires them passed" : "; the policy accepts warnings"}.`,
      next: c.tp.requiredVerdict === "reliable" ? "Review the warnings of the evaluation's checks and re-run with stronger attacks." : null,
      links,
    };
  }
  return { outcome: "fail", reason: `${modelLabel(m)}: evaluation #${e.number} is unreliable (its checks failed)${e.reliabilityReasons[0] ? `: ${e.reliabilityReasons[0]}` : ""}.`, next: "Fix what the evaluation's checks found and re-run the evaluation.", links };
}

export function e3Record(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered.", next: null, links: [] };
  const usable = [...m.evaluations].sort(byNewest).filter((e) => e.verdict !== "unreliable" && e.verdict !== null);
  const e = usable[0];
  if (!e) {
    if (m.evaluations.length) return { outcome: "partial", reason: `${modelLabel(m)}: the only evaluation records are unreliable, so they cannot document the testing.`, next: "Re-run the evaluation.", links: m.evaluations.map((x) => evalLink(x)) };
    return { outcome: "missing", reason: `${modelLabel(m)} has no evaluation record.`, next: `Run an evaluation of ${modelLabel(m)}.`, links: [modelLink(m)] };
  }
  const links = [evalLink(e), modelLink(m), evalDatasetLink(e)];
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${modelLabel(m)}: ${staleReason(c, `the newest evaluation record (#${e.number})`, e.finishedAt)}.`, next: "Re-run the evaluation.", links };
  return {
    outcome: "pass",
    reason: `${modelLabel(m)}: evaluation #${e.number} records the test set (${e.datasetLabel}, sha256 ${short(e.datasetDigest)}…), ${e.attacks.length} attacks, ${e.samples} samples, the model digest (sha256 ${short(m.digest)}…)${e.backend ? ` and the engine backend (${e.backend})` : ""}.`,
    next: null,
    links,
  };
}

/** The newest usable (not unreliable) evaluation of the model that measured what `has` asks. */
function newestMeasuring(m: ModelEvidence, has: (b: BeyondEvidence) => boolean): EvaluationEvidence | undefined {
  return [...m.evaluations].sort(byNewest).find((e) => e.verdict !== "unreliable" && e.beyond && has(e.beyond));
}

/** One threshold check of E13/E14: pushes the sentence and the link, or notes that it was not measured. */
function checkBeyond(e: EvaluationEvidence, value: number | null, limit: number | null, dir: "max" | "min", metric: string, fmt: (v: number) => string, acc: { passes: string[]; fails: string[]; missing: string[]; links: EvidenceLink[] }) {
  if (limit === null) return;
  if (value === null) { acc.missing.push(metric); return; }
  const ok = dir === "max" ? value <= limit : value >= limit;
  const text = `${metric} ${fmt(value)} ${ok ? (dir === "max" ? "≤" : "≥") : dir === "max" ? ">" : "<"} ${fmt(limit)}`;
  (ok ? acc.passes : acc.fails).push(text);
  acc.links.push(evalLink(e, { metric, value, threshold: limit, label: `Evaluation #${e.number}: ${text}` }));
}

function beyondFinding(c: Ctx, what: string, runHint: string, has: (b: BeyondEvidence) => boolean, checks: (e: EvaluationEvidence, acc: Parameters<typeof checkBeyond>[6]) => void, measured: (b: BeyondEvidence) => string): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: `No model is registered, so no ${what} has been measured.`, next: null, links: [] };
  const ml = modelLabel(m);
  const e = newestMeasuring(m, has);
  if (!e) return { outcome: "missing", reason: `${ml} has no usable evaluation that measured ${what}.`, next: `Run an evaluation of ${ml} ${runHint}.`, links: [modelLink(m)] };
  const acc = { passes: [] as string[], fails: [] as string[], missing: [] as string[], links: [evalLink(e), modelLink(m)] as EvidenceLink[] };
  checks(e, acc);
  const summary = measured(e.beyond!);
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${ml}: ${staleReason(c, `evaluation #${e.number}`, e.finishedAt)} (it measured ${summary}).`, next: `Re-run the evaluation of ${ml} ${runHint}.`, links: acc.links };
  if (acc.fails.length) return { outcome: "fail", reason: `${ml}: ${acc.fails.join("; ")} (evaluation #${e.number}).`, next: `Improve ${m.name} (e.g. calibration by temperature scaling, data augmentation for corruptions) and evaluate the new version; or record a documented risk acceptance.`, links: acc.links };
  if (acc.missing.length) return { outcome: "partial", reason: `${ml}: evaluation #${e.number} measured ${summary}, but not ${acc.missing.join(" or ")}, which the policy sets a threshold for.`, next: `Run an evaluation of ${ml} ${runHint}.`, links: acc.links };
  if (acc.passes.length === 0) return { outcome: "pass", reason: `${ml}: evaluation #${e.number} measured ${summary}; the ${TIER_LABELS[c.tier].toLowerCase()}-risk policy sets no threshold for it.`, next: null, links: acc.links };
  return { outcome: "pass", reason: `${ml}: ${acc.passes.join("; ")} (evaluation #${e.number}).`, next: null, links: acc.links };
}

const p1 = (v: number) => pct(v, 1);
const f3 = (v: number) => v.toFixed(3);

export function e13CalibrationOod(c: Ctx): KindFinding {
  return beyondFinding(c, "calibration or out-of-distribution detection", "with the out-of-distribution check",
    (b) => b.ece !== null || b.oodAuroc !== null,
    (e, acc) => {
      checkBeyond(e, e.beyond!.ece, c.tp.beyond.maxEce, "max", "clean expected calibration error", f3, acc);
      checkBeyond(e, e.beyond!.oodAuroc, c.tp.beyond.minOodAuroc, "min", "OOD-detection AUROC (max softmax probability)", f3, acc);
    },
    (b) => [
      b.ece !== null ? `clean ECE ${f3(b.ece)}${b.eceUnderAttackMax !== null ? ` (up to ${f3(b.eceUnderAttackMax)} under attack)` : ""}` : null,
      b.oodAuroc !== null ? `OOD AUROC ${f3(b.oodAuroc)}${b.oodHighConfidenceShare !== null ? `, ${p1(b.oodHighConfidenceShare)} of OOD inputs answered with ≥ 90% confidence` : ""}` : null,
    ].filter(Boolean).join("; "));
}

export function e14Corruptions(c: Ctx): KindFinding {
  return beyondFinding(c, "common-corruption robustness", "with common corruptions",
    (b) => b.corruptionAccuracy !== null,
    (e, acc) => checkBeyond(e, e.beyond!.corruptionAccuracy, c.tp.beyond.minCorruptionAccuracy, "min", "mean accuracy under common corruptions", p1, acc),
    (b) => `mean accuracy under common corruptions ${p1(b.corruptionAccuracy!)}${b.corruptionMCE !== null ? ` (mCE ${p1(b.corruptionMCE)})` : ""}`);
}

export function e15Integrity(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered, so no training data has been scanned.", next: null, links: [] };
  const ml = modelLabel(m);
  const scans = [...(m.integrity ?? [])].filter((s) => s.verdict !== "unreliable").sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number);
  const s = scans[0];
  if (!s) return { outcome: "missing", reason: `${ml} has no completed training-data integrity scan.`, next: `Run a training-data integrity scan of ${ml} on its training data.`, links: [modelLink(m)] };
  const it = c.tp.integrity;
  const link = (extra: Partial<EvidenceLink> = {}): EvidenceLink => ({ type: "evaluation", id: s.id, label: `Integrity scan #${s.number} of ${s.datasetLabel}`, path: `evaluations/${s.number}`, verdict: s.verdict, ...extra });
  const fails: string[] = [];
  const passes: string[] = [];
  const missing: string[] = [];
  const links: EvidenceLink[] = [link(), modelLink(m)];
  if (it.requireNoLiveBackdoor) {
    if (s.liveBackdoors.length) {
      fails.push(`a live backdoor: a trigger patch turns other classes' inputs into "${s.liveBackdoors.join('", "')}"`);
      links.push(link({ metric: "live backdoors", value: s.liveBackdoors.length, threshold: 0, label: `Integrity scan #${s.number}: live trigger towards "${s.liveBackdoors.join('", "')}"` }));
    } else passes.push(s.flaggedClasses.length ? `no live trigger (activation clustering flagged "${s.flaggedClasses.join('", "')}", but no tested patch works)` : "no suspicious class and no live trigger");
  }
  if (it.maxSuspectedMislabelShare !== null) {
    if (s.suspectedMislabelShare === null) missing.push("the share of likely mislabelled examples (run the scan with cross-validation)");
    else {
      const ok = s.suspectedMislabelShare <= it.maxSuspectedMislabelShare + EPS_TOL;
      const text = `likely mislabelled ${pct(s.suspectedMislabelShare, 1)} ${ok ? "≤" : ">"} ${pct(it.maxSuspectedMislabelShare, 1)}`;
      (ok ? passes : fails).push(text);
      links.push(link({ metric: "share of likely mislabelled examples", value: s.suspectedMislabelShare, threshold: it.maxSuspectedMislabelShare, label: `Integrity scan #${s.number}: ${text}` }));
    }
  }
  if (it.requireNoLeakage) {
    if (s.leakageGroups === null) missing.push("train/test leakage (scan with held-out data)");
    else if (s.leakageGroups > 0) fails.push(`${s.leakageGroups} duplicate group${s.leakageGroups > 1 ? "s" : ""} shared by the training and held-out data (leakage)`);
    else passes.push("no train/test leakage");
  }
  if (stale(c, s.finishedAt)) return { outcome: "stale", reason: `${ml}: ${staleReason(c, `integrity scan #${s.number}`, s.finishedAt)}.`, next: `Re-run the training-data integrity scan of ${ml}.`, links };
  if (fails.length) return { outcome: "fail", reason: `${ml}: ${fails.join("; ")} (integrity scan #${s.number} of ${s.datasetLabel}).`, next: "Review the flagged examples, clean or relabel the training data, retrain and scan the new version.", links };
  if (missing.length) return { outcome: "partial", reason: `${ml}: integrity scan #${s.number} found ${passes.join("; ") || "nothing failing"}, but did not measure ${missing.join(" or ")}, which the policy sets a threshold for.`, next: `Re-run the integrity scan of ${ml} with ${missing.length > 1 ? "both" : "it"}.`, links };
  return { outcome: "pass", reason: `${ml}: ${passes.join("; ") || "scanned; the policy sets no integrity threshold"} (integrity scan #${s.number} of ${s.datasetLabel}, ${s.samples.toLocaleString("en")} examples).`, next: null, links };
}

/** E7: the newest usable membership-inference evaluation against the tier's privacy limits. */
export function e7Privacy(c: Ctx): KindFinding {
  const m = c.m;
  if (!m) return { outcome: "missing", reason: "No model is registered, so no membership inference has been measured.", next: null, links: [] };
  const ml = modelLabel(m);
  const e = [...(m.privacy ?? [])].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime() || b.number - a.number).find((p) => p.verdict !== "unreliable");
  if (!e) return { outcome: "missing", reason: `${ml} has no membership-inference (privacy) evaluation.`, next: `Run a privacy evaluation of ${ml} (members: its training data; non-members: held-out data).`, links: [modelLink(m)] };
  const link = (extra: Partial<EvidenceLink> = {}): EvidenceLink => ({ type: "evaluation", id: e.id, label: `Evaluation #${e.number} (membership inference)`, path: `evaluations/${e.number}`, verdict: e.verdict, ...extra });
  const links: EvidenceLink[] = [link(), modelLink(m)];
  const lim = c.tp.privacy;
  const passes: string[] = [], fails: string[] = [], missing: string[] = [];
  const check = (value: number | null, limit: number | null, metric: string, fmt: (v: number) => string, unresolvable: string) => {
    if (limit === null) return;
    if (value === null) { missing.push(`${metric} (${unresolvable})`); return; }
    const ok = value <= limit;
    const text = `${metric} ${fmt(value)} ${ok ? "≤" : ">"} ${fmt(limit)}`;
    (ok ? passes : fails).push(text);
    links.push(link({ metric, value, threshold: limit, label: `Evaluation #${e.number}: ${text}` }));
  };
  check(e.auc, lim.maxAuc, "membership-inference AUC", f3, "");
  check(e.tprAt1Fpr, lim.maxTprAt1Fpr, "TPR at 1% FPR", p1, `not resolvable with ${e.nonMembers} non-members; needs 100`);
  check(e.tprAt01Fpr, lim.maxTprAt01Fpr, "TPR at 0.1% FPR", (v) => pct(v, 2), `not resolvable with ${e.nonMembers} non-members; needs 1,000`);
  const summary = `AUC ${f3(e.auc)} (95% ${f3(e.aucLow)}–${f3(e.aucHigh)}, ${e.attack}) on ${e.members} members and ${e.nonMembers} non-members${e.lira ? ", LiRA included" : ", without LiRA"}`;
  if (stale(c, e.finishedAt)) return { outcome: "stale", reason: `${ml}: ${staleReason(c, `privacy evaluation #${e.number}`, e.finishedAt)} (it measured ${summary}).`, next: `Re-run the privacy evaluation of ${ml}.`, links };
  if (fails.length) return { outcome: "fail", reason: `${ml}: ${fails.join("; ")} (evaluation #${e.number}; ${summary}).`, next: `Reduce what ${m.name} reveals about its training records (regularisation, differentially private training, less over-fitting) and evaluate the new version; or record a documented risk acceptance.`, links };
  if (missing.length) return { outcome: "partial", reason: `${ml}: evaluation #${e.number} measured ${summary}, but not ${missing.join(" or ")}, which the policy sets a limit for.`, next: `Run a privacy evaluation of ${ml} with more held-out records.`, links };
  if (passes.length === 0) return { outcome: "pass", reason: `${ml}: evaluation #${e.number} measured ${summary}; the ${TIER_LABELS[c.tier].toLowerCase()}-risk policy sets no privacy limit.`, next: null, links };
  return { outcome: "pass", reason: `${ml}: ${passes.join("; ")} (evaluation #${e.number}; ${summary}).`, next: null, links };
}

