import { describe, expect, it } from "vitest";
import { isLive, wilsonInterval, type TriggerRow } from "../integrity/trigger";
import type { IntegrityMetrics } from "./integrity";
import { allSuspects, csvCell, readingOf, suspectsPage, suspectsToCsv, triggerCandidates } from "./integrity-reading";

// The integrity reading's boundary cases: a clean model that reacts to a corner patch below the live rule (the
// digits-cnn v1 figures: 27.2% into "2" vs 3.8% for a random patch), a candidate just below and just above the
// 50% rule, and every suspected example listed, paged and exported.

const LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** A trigger row as triggerTest builds it: Wilson intervals, and the live flag from the same rule. */
function row(patch: string, flipped: number, controlFlipped: number, tested = 500): TriggerRow {
  const interval = wilsonInterval(flipped, tested), controlInterval = wilsonInterval(controlFlipped, tested);
  const bottomRight = patch === "corner-bottom-right";
  return {
    patch, description: patch, row: bottomRight ? 23 : 1, col: bottomRight ? 23 : 1, size: 4, tested, flipped, flipRate: flipped / tested, interval,
    controlFlipped, controlRate: controlFlipped / tested, controlInterval, live: isLive({ tested, flipped, interval, controlInterval }),
  };
}

function metrics(rowsByTarget: Record<number, TriggerRow[]>, o: { flagged?: number[]; suspicious?: IntegrityMetrics["backdoor"] extends infer B ? B extends { suspicious: infer S } ? S : never : never; suspiciousIndices?: number[] } = {}): Omit<IntegrityMetrics, "reading"> {
  const trigger = LABELS.map((_, t) => {
    const rows = rowsByTarget[t] ?? ["corner-top-left", "corner-top-right", "corner-bottom-left", "corner-bottom-right"].map((p) => row(p, 2, 3));
    return { method: "m", target: t, tested: 500, liveFlipRate: 0.5, rows, live: rows.some((r) => r.live), examples: [] };
  });
  const suspicious = o.suspicious ?? [];
  return {
    kind: "integrity", samples: 8000, classLabels: LABELS,
    config: { heldOutDatasetVersionId: "h" } as IntegrityMetrics["config"],
    datasetScan: { exactDuplicates: { redundantSamples: 0, groups: 0 }, nearDuplicates: { redundantSamples: 0, groups: 0 }, labelConflicts: { groups: 0 } } as unknown as IntegrityMetrics["datasetScan"],
    backdoor: {
      layer: "dense1", dim: 64,
      clustering: { method: "ac", dims: 10, maxRelativeSize: 0.35, minSilhouette: 0.3, perClass: [], flaggedClasses: o.flagged ?? [] },
      spectral: { method: "sp", expectedPoisonFraction: 0.1, perClass: [] },
      suspicious, suspiciousTotal: (o.suspiciousIndices ?? suspicious.map((s) => s.index)).length, suspiciousIndices: o.suspiciousIndices ?? suspicious.map((s) => s.index), spectralIndices: [],
      trigger, liveBackdoors: trigger.filter((t) => t.live).map((t) => t.target),
    },
    backdoorSkipped: null, labelIssues: null, thumbnails: {}, triggerThumbnails: {},
    evidence: { samples: 8000, datasetVersionId: "d", suspectedMislabelShare: null, flaggedClasses: [], liveBackdoors: trigger.filter((t) => t.live).map((t) => String(t.target)), leakageGroups: 0 },
  };
}

describe("integrity reading", () => {
  it("a clean model that reacts to a corner patch below the rule: no live backdoor, and the figure with its control and interval", () => {
    const m = metrics({ 2: [row("corner-top-left", 4, 5), row("corner-top-right", 9, 6), row("corner-bottom-left", 3, 4), row("corner-bottom-right", 136, 19)] });
    expect(m.backdoor!.liveBackdoors).toEqual([]);
    const text = readingOf(m, "digits v1");
    expect(text[0]).toMatch(/^No live backdoor: no class of digits v1 shows the split .* none of the 40 patch tests passes the live rule\. The rule: a patch is a live backdoor when it turns at least 50% of the tested inputs of other classes into the target class AND its 95% Wilson interval lies wholly above that of the control/);
    expect(text[1]).toMatch(/^The model does react to some patches: the strongest, a generic 4×4 white square in the bottom right corner turns 27\.2% \(95% interval 23\.5%–31\.3%, 136 of 500\) of correctly classified inputs of other classes into "2", against 3\.8% \(2\.4%–5\.9%\) for a random patch of the same size — above the control but below the 50% rule\. 1 of 40 patch tests are above their control/);
    const c = triggerCandidates(m);
    expect(c).toHaveLength(40);
    expect(c[0]).toMatchObject({ target: 2, targetLabel: "2", patch: "corner-bottom-right", kind: "generic", flipRate: 0.272, aboveControl: true, live: false });
  });

  it("a candidate just below the live rule (49.8%) is not live; at 50.0% it is", () => {
    const below = metrics({ 7: [row("derived", 249, 10), row("corner-top-left", 2, 3)] }, { flagged: [7] });
    const r = below.backdoor!.trigger[7]!.rows[0]!;
    expect(r.live).toBe(false);
    expect(r.interval[0]).toBeGreaterThan(r.controlInterval[1]);
    const t = readingOf(below).join(" ");
    expect(t).toMatch(/Activation clustering found an unusual, well-separated group inside class "7", but no tested patch is a live backdoor/);
    expect(t).toMatch(/the strongest, the patch derived from the suspicious examples turns 49\.8% \(95% interval 45\.4%–54\.2%, 249 of 500\) .* into "7", against 2\.0% .* — above the control but below the 50% rule\./);

    const above = metrics({ 7: [row("derived", 250, 10), row("corner-top-left", 2, 3)] }, { flagged: [7] });
    expect(above.backdoor!.trigger[7]!.rows[0]!.live).toBe(true);
    const a = readingOf(above);
    expect(a[0]).toMatch(/^A live backdoor towards "7": the patch derived from the suspicious examples turns 50\.0% \(95% interval 45\.6%–54\.4%, 250 of 500\) .* against 2\.0% .*\. Someone who knows the patch can steer this model\. The rule: a patch is a live backdoor when/);
  });

  it("the live rule needs both the rate and an interval clear of the control", () => {
    const iv = (k: number) => wilsonInterval(k, 500);
    expect(isLive({ tested: 500, flipped: 300, interval: iv(300), controlInterval: iv(10) })).toBe(true);
    expect(isLive({ tested: 500, flipped: 300, interval: iv(300), controlInterval: iv(280) })).toBe(false);
    expect(isLive({ tested: 500, flipped: 249, interval: iv(249), controlInterval: iv(0) })).toBe(false);
    expect(isLive({ tested: 0, flipped: 0, interval: [0, 1], controlInterval: [0, 1] })).toBe(false);
  });

  it("every suspect is listed, paged and exported; older scans' unscored suspects follow the scored ones", () => {
    const suspicious = Array.from({ length: 114 }, (_, i) => ({ index: 1000 + i, label: 0, spectralScore: 500 - i, spectralRank: i + 1, inSpectralTop: i < 100 }));
    const m = metrics({}, { flagged: [0], suspicious });
    expect(allSuspects(m)).toHaveLength(114);
    const p3 = suspectsPage(m, 3);
    expect(p3).toMatchObject({ page: 3, pages: 3, total: 114 });
    expect(p3.items.map((r) => r.rank)).toEqual(Array.from({ length: 18 }, (_, i) => 97 + i));
    expect(suspectsPage(m, 99).page).toBe(3);
    expect(suspectsPage(m, 0).page).toBe(1);
    expect(readingOf(m).join(" ")).toMatch(/114 training examples are suspected of being planted .* all of them are listed, most outlying first, and can be exported\./);

    // A scan stored before: 48 scored, all 114 by index.
    const old = metrics({}, { flagged: [0], suspicious: suspicious.slice(0, 48), suspiciousIndices: suspicious.map((s) => s.index) });
    const rows = allSuspects(old);
    expect(rows).toHaveLength(114);
    expect(rows[47]).toMatchObject({ rank: 48, datasetIndex: 1047, label: "0", spectralScore: 453 });
    expect(rows[48]).toMatchObject({ rank: 49, datasetIndex: 1048, label: null, spectralScore: null });

    const csv = suspectsToCsv(rows).split("\r\n");
    expect(csv[0]).toBe("rank,dataset_index,label,spectral_score,spectral_rank_in_class,in_spectral_top");
    expect(csv[1]).toBe('"1","1000","0","500","1","yes"');
    expect(csv[49]).toBe('"49","1048","","","",""');
    expect(csv).toHaveLength(116); // header, 114 rows, the final line break
  });

  it("CSV cells that a spreadsheet would run are neutralised", () => {
    expect(csvCell("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    for (const lead of ["+", "-", "@", "\t", "\r"]) expect(csvCell(`${lead}1`)).toBe(`"'${lead}1"`);
    expect(csvCell("cat")).toBe('"cat"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell(-3.5)).toBe('"\'-3.5"');
  });
});
