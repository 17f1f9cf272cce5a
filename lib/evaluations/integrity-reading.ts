import { z } from "zod";
import { liveRuleText, type TriggerRow } from "../integrity/trigger";
import type { SuspiciousExample } from "../integrity/model-scan";
import type { IntegrityMetrics } from "./integrity-types";

/*
 * What an integrity scan says, worded so that it cannot be misread, and every trigger candidate and suspected
 * example it found. Pure: derived from the stored metrics, so scans stored before this reading read the same.
 *
 * Trigger candidates are of two kinds. "Generic": the four fixed corner patches (white squares, 1 pixel in),
 * tried towards every class on every model. "Derived": a patch made from the suspicious examples of a class
 * that activation clustering flagged, so it exists only when the data gives reason for it. The demo planted
 * its trigger in the bottom-right corner, where a generic corner patch also sits: on the demo, the derived
 * patch is the evidence that the scan found the trigger from the data.
 */

export type CandidateKind = "generic" | "derived";

export interface TriggerCandidate extends Omit<TriggerRow, "description"> {
  target: number;
  targetLabel: string;
  kind: CandidateKind;
  description: string;
  /** The flip interval lies wholly above the control's (the model reacts to the patch). */
  aboveControl: boolean;
}

/** Every trigger test the scan ran (target × patch), strongest first. */
export function triggerCandidates(m: Pick<IntegrityMetrics, "backdoor" | "classLabels">): TriggerCandidate[] {
  const b = m.backdoor;
  if (!b) return [];
  return b.trigger.flatMap((t) => t.rows.map((r) => ({
    ...r, target: t.target, targetLabel: m.classLabels[t.target] ?? String(t.target),
    kind: (r.patch === "derived" ? "derived" : "generic") as CandidateKind,
    aboveControl: r.tested > 0 && r.interval[0] > r.controlInterval[1],
  }))).sort((x, y) => y.flipRate - x.flipRate || x.target - y.target || x.patch.localeCompare(y.patch));
}

/** The live rule of this scan's trigger tests (50% unless the scan used another). */
export function liveRuleOf(m: Pick<IntegrityMetrics, "backdoor">): { liveFlipRate: number; text: string } {
  const rate = m.backdoor?.trigger[0]?.liveFlipRate ?? 0.5;
  return { liveFlipRate: rate, text: liveRuleText(rate) };
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const range = (i: [number, number]) => `${pct(i[0])}–${pct(i[1])}`;
const kindText = (c: TriggerCandidate) => (c.kind === "derived" ? "the patch derived from the suspicious examples" : `a generic ${c.size}×${c.size} white square in the ${c.patch.replace("corner-", "").replace("-", " ")} corner`);

/** One candidate, with its control and interval, in a sentence. */
export function candidateSentence(c: TriggerCandidate, L: (i: number) => string): string {
  return `${kindText(c)} turns ${pct(c.flipRate)} (95% interval ${range(c.interval)}, ${c.flipped} of ${c.tested}) of correctly classified inputs of other classes into ${L(c.target)}, against ${pct(c.controlRate)} (${range(c.controlInterval)}) for a random patch of the same size`;
}

export function readingOf(m: Omit<IntegrityMetrics, "reading">, datasetLabel = "the training data"): string[] {
  const out: string[] = [];
  const L = (i: number) => `"${m.classLabels[i] ?? i}"`;
  const b = m.backdoor;
  if (b) {
    const rule = liveRuleOf(m);
    const cands = triggerCandidates(m);
    const ruleSentence = `The rule: ${rule.text}.`;
    if (b.liveBackdoors.length) {
      for (const t of b.liveBackdoors) {
        const c = cands.filter((x) => x.target === t && x.live)[0]!;
        out.push(`A live backdoor towards ${L(t)}: ${candidateSentence(c, L)}. Someone who knows the patch can steer this model. ${ruleSentence}`);
      }
    } else {
      const flagged = b.clustering.flaggedClasses;
      out.push(flagged.length
        ? `Activation clustering found an unusual, well-separated group inside class ${flagged.map(L).join(", ")}, but no tested patch is a live backdoor: review the listed examples; a backdoor with another kind of trigger is not ruled out. ${ruleSentence}`
        : `No live backdoor: no class of ${datasetLabel} shows the split a backdoor leaves in the model's internal representation, and none of the ${cands.length} patch tests passes the live rule. ${ruleSentence}`);
      const top = cands[0];
      if (top) {
        const reacts = cands.filter((c) => c.aboveControl);
        out.push(top.aboveControl
          ? `The model does react to some patches: the strongest, ${candidateSentence(top, L)} — above the control but below the ${Math.round(rule.liveFlipRate * 100)}% rule. ${reacts.length} of ${cands.length} patch tests are above their control; every one is listed with its interval in the trigger table.`
          : `The strongest response: ${candidateSentence(top, L)}, not above the control; every patch test is listed in the trigger table.`);
      }
    }
    if (b.suspiciousTotal) out.push(`${b.suspiciousTotal.toLocaleString("en")} training examples are suspected of being planted (the small activation cluster of the flagged class${b.clustering.flaggedClasses.length > 1 ? "es" : ""}); all of them are listed, most outlying first, and can be exported.`);
  } else if (m.backdoorSkipped) out.push(`The backdoor scan did not run: ${m.backdoorSkipped}`);
  if (m.labelIssues) {
    out.push(`${m.labelIssues.flaggedCount.toLocaleString("en")} of ${m.samples.toLocaleString("en")} training examples (${pct(m.labelIssues.flaggedShare)}) look mislabelled: models of the same architecture that never saw them confidently predict another class. Typical clean data of this kind shows well under 1–2%; a higher share points to labelling errors or deliberate label flipping.`);
  } else out.push("Likely mislabelled examples were not looked for (cross-validation was off).");
  const ds = m.datasetScan;
  if (m.evidence.leakageGroups === null) out.push("Train/test leakage was not checked (no held-out data was chosen).");
  else if (m.evidence.leakageGroups > 0) out.push(`${m.evidence.leakageGroups} group${m.evidence.leakageGroups > 1 ? "s" : ""} of images appear in both the training and the held-out data: accuracy measured on that held-out data is overstated.`);
  else out.push("No image appears in both the training and the held-out data (no train/test leakage found).");
  const dup = ds.exactDuplicates.redundantSamples + ds.nearDuplicates.redundantSamples;
  if (dup || ds.labelConflicts.groups) out.push(`${dup} redundant duplicate${dup === 1 ? "" : "s"} and ${ds.labelConflicts.groups} duplicate group${ds.labelConflicts.groups === 1 ? "" : "s"} with conflicting labels.`);
  out.push("A clean result is not proof that no poisoning happened: triggers that are not a fixed patch, clean-label attacks and poison aimed at a single input are outside what these scans test.");
  return out;
}

// ---- Suspected planted examples: all of them, a page at a time ----------------------------------------

/** One suspected example; the API's suspects page (lib/api/responses.ts) answers these rows as they are. */
export const SuspectRowSchema = z.object({
  rank: z.number().int(),
  datasetIndex: z.number().int(),
  // Null for the examples a scan stored before every suspect was kept with its scores.
  label: z.string().nullable(),
  spectralScore: z.number().nullable(),
  spectralRank: z.number().int().nullable(),
  inSpectralTop: z.boolean().nullable(),
});
export type SuspectRow = z.infer<typeof SuspectRowSchema>;

/**
 * Every suspected example, most outlying first. Scans stored before every suspect was kept hold the first 48
 * with their scores and the rest by dataset index only (`suspiciousIndices`); those follow, without scores.
 */
export function allSuspects(m: Pick<IntegrityMetrics, "backdoor" | "classLabels">): SuspectRow[] {
  const b = m.backdoor;
  if (!b) return [];
  const scored = b.suspicious as (SuspiciousExample & { spectralRank?: number })[];
  const rows: SuspectRow[] = scored.map((s, i) => ({ rank: i + 1, datasetIndex: s.index, label: m.classLabels[s.label] ?? String(s.label), spectralScore: s.spectralScore, spectralRank: s.spectralRank ?? null, inSpectralTop: s.inSpectralTop }));
  const seen = new Set(rows.map((r) => r.datasetIndex));
  for (const di of b.suspiciousIndices ?? []) {
    if (seen.has(di)) continue;
    seen.add(di);
    rows.push({ rank: rows.length + 1, datasetIndex: di, label: null, spectralScore: null, spectralRank: null, inSpectralTop: null });
  }
  return rows;
}

export const SUSPECT_PAGE_SIZE = 48;

export function suspectsPage(m: Pick<IntegrityMetrics, "backdoor" | "classLabels">, page: number, pageSize = SUSPECT_PAGE_SIZE) {
  const all = allSuspects(m);
  const pages = Math.max(1, Math.ceil(all.length / pageSize));
  const p = Math.min(Math.max(1, Math.floor(page)), pages);
  return { page: p, pageSize, pages, total: all.length, items: all.slice((p - 1) * pageSize, p * pageSize) };
}

/**
 * One CSV cell: always quoted; a cell that a spreadsheet would run as a formula (starting with = + - @, a tab
 * or a carriage return) gets a leading apostrophe. Our cells are numbers and class labels, but labels come
 * from whoever registered the dataset.
 */
export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Every suspected example as CSV (rank, dataset index, label, spectral score and rank, in the spectral top). */
export function suspectsToCsv(rows: SuspectRow[]): string {
  const head = ["rank", "dataset_index", "label", "spectral_score", "spectral_rank_in_class", "in_spectral_top"];
  const body = rows.map((r) => [r.rank, r.datasetIndex, r.label, r.spectralScore, r.spectralRank, r.inSpectralTop === null ? "" : r.inSpectralTop ? "yes" : "no"].map(csvCell).join(","));
  return [head.join(","), ...body].join("\r\n") + "\r\n";
}
