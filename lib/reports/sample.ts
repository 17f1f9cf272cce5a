import { getCatalog } from "../compliance/catalog";
import { STATUSES } from "../compliance/engine-types";
import { SNAPSHOT_SCHEMA, SNAPSHOT_VERSION, type EvaluationSnapshot, type ReportSnapshot } from "./schemas";

// A synthetic but realistic snapshot (no database), for the renderer's tests and `npm run bench:report`.
// Deterministic: the same options give the same snapshot. Names include non-Latin scripts on purpose.

const OWNERS = ["Zoë Ødegård", "Łukasz Żółkiewski", "Σοφία Παπαδοπούλου", "Дмитрий Иванов"];

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const hex = (rand: () => number) => Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

export function sampleSnapshot(opts: { models?: number; evaluationsPerModel?: number; frameworks?: ReportSnapshot["scope"]["frameworks"]; seed?: number } = {}): ReportSnapshot {
  const rand = lcg(opts.seed ?? 7);
  const nModels = opts.models ?? 2;
  const perModel = opts.evaluationsPerModel ?? 1;
  const frameworks = opts.frameworks ?? ["nist-ai-rmf", "iso-42001"];
  const labels = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
  const catalog = getCatalog();
  const evaluations: EvaluationSnapshot[] = [];
  const models: ReportSnapshot["models"] = [];
  let number = 0;
  for (let m = 0; m < nModels; m++) {
    const name = m === 0 ? "digits-cnn" : `model-${m}`;
    const label = `${name} v${m + 1}`;
    const numbers: number[] = [];
    for (let k = 0; k < perModel; k++) {
      number++;
      numbers.unshift(number);
      const n = 400;
      const cleanCorrect = 370 + Math.floor(rand() * 20);
      const eps = [0.1, 0.2, 0.3];
      const strength = 0.3 + rand() * 0.6;
      const attacks = ["fgsm-linf", "pgd-linf-20x1", "square-linf-1000"].flatMap((attack, ai) =>
        eps.map((e, ei) => {
          const robust = Math.max(0, Math.floor(cleanCorrect * Math.pow(strength, ei + 1) * (1 - ai * 0.05)));
          return { attack, kind: attack.split("-")[0]!, family: ai === 0 ? "single-step" : ai === 1 ? "iterative" : "black-box", norm: "linf" as const, eps: e, robustAccuracy: robust / n, successRate: (cleanCorrect - robust) / cleanCorrect, broken: cleanCorrect - robust, attacked: cleanCorrect, meanQueries: ai === 2 ? 412.5 : 0, medianPerturbation: round(e * 0.9) };
        }));
      const worstCase = eps.map((e, ei) => {
        const robust = Math.max(0, Math.floor(cleanCorrect * Math.pow(strength, ei + 1) * 0.9));
        return { norm: "linf" as const, eps: e, robustAccuracy: robust / n, robust };
      });
      const curves = [...new Set(attacks.map((a) => a.attack))].map((a) => ({ attack: a, norm: "linf" as const, points: [{ eps: 0, robustAccuracy: cleanCorrect / n }, ...attacks.filter((x) => x.attack === a).map((x) => ({ eps: x.eps, robustAccuracy: x.robustAccuracy }))] }));
      curves.push({ attack: "worst-case", norm: "linf", points: [{ eps: 0, robustAccuracy: cleanCorrect / n }, ...worstCase.map((w) => ({ eps: w.eps, robustAccuracy: w.robustAccuracy }))] });
      const gallery = [0, 1, 2, 3].map((g) => {
        const pixels = Array.from({ length: 28 * 28 }, (_, i) => {
          const x = i % 28, y = Math.floor(i / 28);
          return Math.hypot(x - 14, y - 14) < 9 && Math.hypot(x - 14, y - 14) > 5 ? 1 : 0;
        });
        return {
          index: 10 + g * 37, label: labels[g]!, cleanPred: labels[g]!, cleanConf: 0.98, advPred: labels[(g + 3) % 10]!, advConf: 0.71,
          attack: "pgd-linf-20x1", norm: "linf" as const, eps: 0.1, shape: [28, 28, 1],
          original: pixels, adversarial: pixels.map((p, i) => round(Math.min(1, Math.max(0, p + (((i * 7 + g) % 3) - 1) * 0.1)), 3)),
        };
      });
      evaluations.push({
        id: `eval${number}`, number, modelId: `model${m}`, modelLabel: label, modelDigest: hex(rand), finishedAt: `2026-11-${String(10 + k).padStart(2, "0")}T09:30:00.000Z`,
        createdBy: "engineer@demo.bulwark.local", scheduled: k > 0, preset: "quick", seed: 1234 + k, samples: n,
        suite: { name: "quick", preset: "quick", attacks: [{ kind: "fgsm", norm: "linf", targeted: false }, { kind: "pgd", norm: "linf", steps: 20, restarts: 1, randomStart: true }, { kind: "square", norm: "linf", queries: 1000, pInit: 0.8 }], epsilons: { linf: eps, l2: [] }, sampleCount: n, seed: 1234 + k, sanityCheck: true },
        inputRange: { min: 0, max: 1 },
        dataset: { versionId: "dsv1", label: "digits-eval v1", tensorDigest: hex(rand), manifestDigest: hex(rand), licence: "CC BY-SA 3.0", personalData: "none", source: "MNIST test split (Yann LeCun, Corinna Cortes, Christopher Burges)", legalBasis: "not applicable", sampleCount: 2000, split: "TEST" },
        cleanAccuracy: cleanCorrect / n, cleanCorrect, attacks, worstCase,
        perClass: labels.map((l, c) => ({ label: l, count: 40, cleanAccuracy: round(0.9 + ((c * 13) % 10) / 100), robustAccuracy: Object.fromEntries(worstCase.map((w) => [`${w.norm}:${w.eps}`, round(w.robustAccuracy * (0.8 + ((c * 7) % 5) / 10))])) })),
        curves,
        reliability: { verdict: k % 2 ? "questionable" : "reliable", reasons: k % 2 ? ["Black-box attack finds errors white-box attacks missed: linf eps 0.1: 4 of 380 (1.1%)"] : [], checks: [
          { id: "single-step-vs-iterative", title: "Single-step attack beats the iterative ones", status: "pass", explanation: "PGD found every error FGSM found at each budget." },
          { id: "black-box-vs-white-box", title: "Black-box attack finds errors white-box attacks missed", status: k % 2 ? "warn" : "pass", explanation: k % 2 ? "linf eps 0.1: 4 of 380 (1.1%)" : "None at any budget." },
          { id: "monotonic-in-epsilon", title: "Robust accuracy decreases as epsilon grows", status: "pass", explanation: "Every attack's robust accuracy falls or stays as epsilon grows." },
          { id: "large-budget", title: "A budget that must break any classifier does", status: "pass", explanation: "At eps 0.5 the sanity attack broke 100.0% of correctly classified examples." },
          { id: "gradients", title: "Input gradients are usable", status: "pass", explanation: "0 of 400 examples had an all-zero or non-finite gradient." },
        ] },
        replay: { replayed: 2000 + 37 * k, notReproduced: [], survivors: 120 + k },
        provenance: { backend: "wasm", tfjsVersion: "4.22.0", simd: true, threads: 1, kernelPatches: ["Conv2DBackpropFilter"], backends: ["wasm"], workers: ["worker-1:4242:ab12cd"], shards: 4 },
        comparison: k > 0 ? { previousNumber: number - 1, tolerancePp: 2, clean: { label: "clean accuracy", before: 0.93, after: cleanCorrect / n, delta: cleanCorrect / n - 0.93 }, worstCase: worstCase.map((w) => ({ label: `worst case, L∞ ε=${w.eps}`, before: w.robustAccuracy + 0.03, after: w.robustAccuracy, delta: -0.03 })), regressions: worstCase.slice(0, 1).map((w) => ({ label: `worst case, L∞ ε=${w.eps}`, before: w.robustAccuracy + 0.03, after: w.robustAccuracy, delta: -0.03 })) } : null,
        gallery,
      });
    }
    models.push({
      id: `model${m}`, name, version: m + 1, versionId: `mv${m}`, label, manifestDigest: hex(rand), tier: m % 2 ? "high" : "limited", owner: OWNERS[m % OWNERS.length]!, registeredAt: "2026-11-01T08:00:00.000Z",
      card: { task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: labels, intendedUse: "Recognising handwritten digits on scanned forms for routing; a human checks every low-confidence result.", outOfScopeUse: "Any decision about a person; digits from other alphabets.", knownLimitations: "Trained on centred, size-normalised digits; accuracy falls on skewed or noisy scans.", trainingMethod: m % 2 ? "adversarial (PGD, L∞ ε 0.3)" : "standard", preprocessingNote: "" },
      files: [{ path: "model.json", sha256: hex(rand), size: 5321 }, { path: "group1-shard1of1.bin", sha256: hex(rand), size: 1_234_567 }],
      trainingDataset: { versionId: "dst1", label: "digits-train v1", tensorDigest: hex(rand), manifestDigest: hex(rand), licence: "CC BY-SA 3.0", personalData: "none", source: "MNIST training split", legalBasis: "not applicable", sampleCount: 60000, split: "TRAIN" },
      evaluationNumbers: numbers,
      // The first model runs in two environments (one promotion through a reviewer's override); the others nowhere.
      operations: { environments: m === 0 ? [
        { environment: "staging", version: m + 1, decision: "promotion", gatePassed: true, overrideReason: null, evidenceSha256: hex(rand), at: "2026-11-20T09:30:00.000Z", by: "engineer@demo.bulwark.local", batches: 42, lastBatchAt: "2026-11-26T09:00:00.000Z", openAlerts: [] },
        { environment: "production", version: m + 1, decision: "promotion", gatePassed: false, overrideReason: "Fix ships next sprint; risk accepted by the model owner", evidenceSha256: hex(rand), at: "2026-11-21T14:05:00.000Z", by: "reviewer@demo.bulwark.local", batches: 17, lastBatchAt: "2026-11-26T09:45:00.000Z",
          openAlerts: [{ signal: "input-drift", severity: "warning", summary: "Input drift: PSI 0.31 on 3 of 784 features", acknowledged: true }] },
      ] : [] },
    });
  }
  const controls: ReportSnapshot["controls"] = [];
  for (const fw of frameworks) {
    const f = catalog.frameworks.find((x) => x.id === fw)!;
    for (const c of f.controls.filter((x) => x.kind === "control")) {
      for (const m of models) {
        const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
        controls.push({
          control: c.key, framework: fw, controlId: c.id, title: c.title, modelId: m.id, modelLabel: m.label, status,
          reason: status === "failing" ? `${m.label}: worst-case robust accuracy 32.8% < 40% at Linf 0.1 (evaluation #${m.evaluationNumbers[0]}).` : status === "satisfied" ? `${m.label}: all direct evidence passes.` : status === "not_assessed" ? "No reviewer has attested this control." : `${m.label}: some evidence, not enough.`,
          next: status === "satisfied" ? null : "Run the required suite.",
          evidence: status === "not_assessed" ? [] : [{ type: "evaluation", label: `Evaluation #${m.evaluationNumbers[0]}`, digest: null }, { type: "model", label: `${m.label}`, digest: m.manifestDigest }],
        });
      }
    }
  }
  const posture = frameworks.map((fw) => {
    const f = catalog.frameworks.find((x) => x.id === fw)!;
    const counts = { satisfied: 0, partial: 0, failing: 0, stale: 0, not_assessed: 0 };
    const per = new Map<string, string[]>();
    for (const c of controls.filter((x) => x.framework === fw)) per.set(c.control, [...(per.get(c.control) ?? []), c.status]);
    for (const st of per.values()) {
      const s = st.includes("failing") ? "failing" : st.includes("stale") ? "stale" : st.every((x) => x === "satisfied") ? "satisfied" : st.every((x) => x === "not_assessed") ? "not_assessed" : "partial";
      counts[s]++;
    }
    return { framework: fw, name: f.shortName, version: f.version, counts, total: per.size };
  });
  return {
    schema: SNAPSHOT_SCHEMA,
    version: SNAPSHOT_VERSION,
    report: { id: "cmreportsample0000000001", number: 3, title: "Quarterly robustness audit — Q4 2026", generatedAt: "2026-11-26T10:00:00.000Z", generatedBy: { userId: "u1", label: "engineer@demo.bulwark.local" } },
    team: { id: "team1", slug: "demo", name: "Demo team · Ødegård & Łukasz · Ελληνικά · Русский" },
    scope: { models: "all", frameworks, period: { from: "2026-10-01", to: "2026-11-26" }, modelLabels: models.map((m) => m.label) },
    versions: { app: "bulwark 0.1.0", catalog: catalog.version, policy: 2, renderer: "pdfkit 0.20.2, DejaVu Sans Condensed 2.37" },
    policy: { version: 2, segregationOfDuties: true, tiers: [
      { tier: "limited", thresholds: [{ norm: "linf", eps: 0.1, min: 0.4 }], minCleanAccuracy: null, requiredVerdict: "questionable", maxEvidenceAgeDays: 180, minSampleCount: 200, minAttacks: 1, requireIterative: true },
      { tier: "high", thresholds: [{ norm: "linf", eps: 0.1, min: 0.6 }], minCleanAccuracy: 0.9, requiredVerdict: "reliable", maxEvidenceAgeDays: 90, minSampleCount: 500, minAttacks: 2, requireIterative: true },
    ] },
    auditChain: { intact: true, count: 128, head: hex(rand), brokenAt: null },
    posture,
    keyRisks: controls.filter((c) => c.status === "failing").slice(0, 5).map((c) => ({ controlId: c.controlId, status: c.status, sentence: `${c.modelLabel} fails ${c.controlId}: ${c.reason}` })),
    changes: {
      previous: { id: "cmreportsample0000000000", number: 2, generatedAt: "2026-08-20T10:00:00.000Z", snapshotSha256: hex(rand), status: "APPROVED" },
      frameworks: posture.map((p) => ({ framework: p.framework, name: p.name, before: { ...p.counts, satisfied: Math.max(0, p.counts.satisfied - 2), failing: p.counts.failing + 1 }, after: p.counts })),
      controls: controls.slice(0, 6).map((c) => ({ controlId: c.controlId, framework: c.framework, modelLabel: c.modelLabel, from: "failing" as const, to: c.status })),
      controlChangeCount: 6,
      newEvaluations: evaluations.map((e) => e.number),
    },
    models,
    evaluations,
    alerts: evaluations.filter((e) => e.comparison?.regressions.length).map((e) => ({ id: `alert${e.number}`, modelLabel: e.modelLabel, evaluationNumber: e.number, previousNumber: e.comparison!.previousNumber, summary: `${e.modelLabel}: robust accuracy fell by 3.0 points on worst case, L∞ ε=0.1 since evaluation #${e.comparison!.previousNumber}.`, createdAt: e.finishedAt, acknowledged: false, acknowledgedBy: null, note: null })),
    controls,
    attestations: [
      { id: "att1", control: "nist-ai-rmf:GOVERN 1.1", controlId: "GOVERN 1.1", model: null, statement: "Register of AI legal requirements LR-2026 reviewed with counsel (Дмитрий Иванов) on 2026-11-20.", by: "reviewer@demo.bulwark.local", attestedAt: "2026-11-20T12:00:00.000Z", expiresAt: "2027-02-18T23:59:59.999Z", state: "valid", revokedBy: null, revokeReason: null, files: [{ name: "legal-register-review.txt", sha256: hex(rand) }] },
    ],
  };
}
