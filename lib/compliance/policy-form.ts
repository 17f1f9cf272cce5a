import { TIERS, type MonitoringPolicy, type Policy, type Threshold } from "./policy";

// Flat form fields <-> policy object, for the policy editor. Field names: `<tier>.<field>`, plus
// `monitoring.<threshold>`, `segregationOfDuties`, `maxAttestationDays`. Thresholds are one per line: "linf 0.1 60%".

const num = (v: unknown): unknown => {
  if (typeof v !== "string" || v.trim() === "") return undefined;
  const n = Number(v.trim().replace(/%$/, ""));
  return Number.isNaN(n) ? v : n;
};
const percent = (v: unknown): unknown => {
  const n = num(v);
  return typeof n === "number" ? n / 100 : n;
};
const on = (v: unknown) => v === "on" || v === "true" || v === "1";
const blank = (v: unknown) => String(v ?? "").trim() === "";

/** "linf 0.1 60%" lines -> thresholds; unparseable lines become NaN entries so the schema reports them. */
export function parseThresholds(text: string): Threshold[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
    const m = /^(linf|l2|l∞)\s+([0-9.eE+-]+)\s+([0-9.]+)\s*%?$/i.exec(l.replace(/[,;]/g, " ").replace(/\s+/g, " "));
    if (!m) return { metric: "worst-case-robust-accuracy", norm: "linf", eps: Number.NaN, min: Number.NaN };
    return { metric: "worst-case-robust-accuracy", norm: m[1].toLowerCase() === "l2" ? "l2" : "linf", eps: Number(m[2]), min: Number(m[3]) / 100 };
  });
}

export function formatThresholds(t: Threshold[]): string {
  return t.map((x) => `${x.norm} ${x.eps} ${+(x.min * 100).toFixed(2)}%`).join("\n");
}

export function policyFromForm(f: Record<string, unknown>): unknown {
  const tiers: Record<string, unknown> = {};
  for (const t of TIERS) {
    const g = (k: string) => f[`${t}.${k}`];
    tiers[t] = {
      requiredSuite: { minAttacks: num(g("minAttacks")), requireIterative: on(g("requireIterative")), minSampleCount: num(g("minSampleCount")) },
      thresholds: parseThresholds(String(g("thresholds") ?? "")),
      minCleanAccuracy: String(g("minCleanAccuracy") ?? "").trim() === "" ? null : percent(g("minCleanAccuracy")),
      maxEvidenceAgeDays: num(g("maxEvidenceAgeDays")),
      requiredVerdict: g("requiredVerdict"),
      regressionTolerancePp: num(g("regressionTolerancePp")),
      requireSchedule: on(g("requireSchedule")),
      attestationRequired: String(g("attestationRequired") ?? "").split(/\r?\n/).map((s) => s.trim()).filter(Boolean),
      // Empty field: no threshold. ECE and AUROC are plain numbers (0.1, 0.8); corruption accuracy a percentage.
      beyond: {
        maxEce: blank(g("maxEce")) ? null : num(g("maxEce")),
        minOodAuroc: blank(g("minOodAuroc")) ? null : num(g("minOodAuroc")),
        minCorruptionAccuracy: blank(g("minCorruptionAccuracy")) ? null : percent(g("minCorruptionAccuracy")),
      },
      // Training-data integrity (E15): the mislabelled share is a percentage; empty = no limit.
      integrity: {
        maxSuspectedMislabelShare: blank(g("maxSuspectedMislabelShare")) ? null : percent(g("maxSuspectedMislabelShare")),
        requireNoLiveBackdoor: on(g("requireNoLiveBackdoor")),
        requireNoLeakage: on(g("requireNoLeakage")),
      },
      // Membership inference (E7): AUC a plain number (0.6), TPRs percentages.
      privacy: {
        maxAuc: blank(g("maxMiaAuc")) ? null : num(g("maxMiaAuc")),
        maxTprAt1Fpr: blank(g("maxTprAt1Fpr")) ? null : percent(g("maxTprAt1Fpr")),
        maxTprAt01Fpr: blank(g("maxTprAt01Fpr")) ? null : percent(g("maxTprAt01Fpr")),
      },
    };
  }
  const monitoring = Object.fromEntries(MONITORING_FIELDS.map((k) => [k, num(f[`monitoring.${k}`])]));
  return { schema: 1, tiers, monitoring, segregationOfDuties: on(f.segregationOfDuties), maxAttestationDays: num(f.maxAttestationDays) };
}

/** The production monitoring thresholds, one form field each ("monitoring.psiWarning", …). */
export const MONITORING_FIELDS = ["psiWarning", "psiCritical", "ksPValue", "predictionPsiWarning", "confidenceDropPp", "attackShareWarning", "resolveAfterBatches"] as const satisfies readonly (keyof MonitoringPolicy)[];
export type MonitoringField = (typeof MONITORING_FIELDS)[number];

/** Field errors from the schema's paths ("tiers.high.thresholds.0.min") to form field names ("high.thresholds"). */
export function formFieldOf(path: string): string {
  const m = /^tiers\.(\w+)\.(\w+)(?:\.(\w+))?/.exec(path);
  if (!m) return path;
  if ((m[2] === "requiredSuite" || m[2] === "beyond" || m[2] === "integrity") && m[3]) return `${m[1]}.${m[3]}`;
  if (m[2] === "privacy" && m[3]) return `${m[1]}.${m[3] === "maxAuc" ? "maxMiaAuc" : m[3]}`;
  return `${m[1]}.${m[2]}`;
}

export function formValues(p: Policy): Record<string, string> {
  const out: Record<string, string> = { maxAttestationDays: String(p.maxAttestationDays) };
  for (const k of MONITORING_FIELDS) out[`monitoring.${k}`] = String(p.monitoring[k]);
  if (p.segregationOfDuties) out.segregationOfDuties = "on";
  for (const t of TIERS) {
    const tp = p.tiers[t];
    out[`${t}.minAttacks`] = String(tp.requiredSuite.minAttacks);
    if (tp.requiredSuite.requireIterative) out[`${t}.requireIterative`] = "on";
    out[`${t}.minSampleCount`] = String(tp.requiredSuite.minSampleCount);
    out[`${t}.thresholds`] = formatThresholds(tp.thresholds);
    out[`${t}.minCleanAccuracy`] = tp.minCleanAccuracy === null ? "" : String(+(tp.minCleanAccuracy * 100).toFixed(2));
    out[`${t}.maxEvidenceAgeDays`] = String(tp.maxEvidenceAgeDays);
    out[`${t}.requiredVerdict`] = tp.requiredVerdict;
    out[`${t}.regressionTolerancePp`] = String(tp.regressionTolerancePp);
    if (tp.requireSchedule) out[`${t}.requireSchedule`] = "on";
    out[`${t}.attestationRequired`] = tp.attestationRequired.join("\n");
    out[`${t}.maxEce`] = tp.beyond.maxEce === null ? "" : String(tp.beyond.maxEce);
    out[`${t}.minOodAuroc`] = tp.beyond.minOodAuroc === null ? "" : String(tp.beyond.minOodAuroc);
    out[`${t}.minCorruptionAccuracy`] = tp.beyond.minCorruptionAccuracy === null ? "" : String(+(tp.beyond.minCorruptionAccuracy * 100).toFixed(2));
    out[`${t}.maxSuspectedMislabelShare`] = tp.integrity.maxSuspectedMislabelShare === null ? "" : String(+(tp.integrity.maxSuspectedMislabelShare * 100).toFixed(2));
    if (tp.integrity.requireNoLiveBackdoor) out[`${t}.requireNoLiveBackdoor`] = "on";
    if (tp.integrity.requireNoLeakage) out[`${t}.requireNoLeakage`] = "on";
    out[`${t}.maxMiaAuc`] = tp.privacy.maxAuc === null ? "" : String(tp.privacy.maxAuc);
    out[`${t}.maxTprAt1Fpr`] = tp.privacy.maxTprAt1Fpr === null ? "" : String(+(tp.privacy.maxTprAt1Fpr * 100).toFixed(3));
    out[`${t}.maxTprAt01Fpr`] = tp.privacy.maxTprAt01Fpr === null ? "" : String(+(tp.privacy.maxTprAt01Fpr * 100).toFixed(3));
  }
  return out;
}
