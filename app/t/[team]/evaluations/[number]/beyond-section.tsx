import { Card, Table, Td } from "@/app/_components/ui";
import { LineChartSvg, StatCard, fmtEps, pct } from "@/app/_components/evaluation-ui";
import type { BeyondMetrics, CalibrationRow } from "@/lib/engine/beyond";
import type { CorruptionGallery } from "@/lib/engine/shard";
import { CORRUPTION_LABELS } from "@/lib/engine/corruption-kinds";
import { reliabilityDiagram } from "@/lib/charts/reliability";
import { samplePng } from "@/lib/registry/preview";

// Calibration, common corruptions and out-of-distribution results of one evaluation (absent parts are not shown).

function png(values: number[], shape: number[], range: { min: number; max: number }) {
  return `data:image/png;base64,${samplePng(Float32Array.from(values), 0, shape, range, 84).toString("base64")}`;
}
const num = (v: number | null, digits = 3) => (v === null ? "—" : v.toFixed(digits));
const normName = (n: string) => (n === "linf" ? "L∞" : "L2");
/** Percentage points with a sign; a change that rounds to zero shows as 0.0 (never "-0.0"). */
const signedPp = (v: number) => {
  const r = Math.round(v * 1000) / 10;
  return r === 0 ? "0.0 pp" : `${r > 0 ? "+" : "−"}${Math.abs(r).toFixed(1)} pp`;
};

function CalibrationRowCells({ r }: { r: CalibrationRow }) {
  return (
    <>
      <Td className="tabular-nums">{pct(r.accuracy)}</Td>
      <Td className="tabular-nums">{pct(r.meanConfidence)}</Td>
      <Td className="tabular-nums font-medium">{num(r.ece)}</Td>
      <Td className="tabular-nums">{num(r.mce)}</Td>
      <Td className="tabular-nums">{num(r.brier)}</Td>
      <Td className="tabular-nums">{num(r.nll)}</Td>
      <Td className="tabular-nums">{pct(r.confidentWrongShare)}</Td>
    </>
  );
}

export function BeyondSection({ metrics, gallery, range, labels }: {
  metrics: Partial<BeyondMetrics>;
  gallery: CorruptionGallery | null;
  range: { min: number; max: number };
  labels: string[];
}) {
  const { calibration, corruptions, ood } = metrics;
  if (!calibration && !corruptions && !ood) return null;
  // The diagram shows clean and the strongest budget of each attack (the last row per attack).
  const strongest = calibration ? [...new Map(calibration.underAttack.map((u) => [u.attack, u])).values()] : [];
  return (
    <>
      {calibration ? (
        <div className="mb-6 space-y-6" data-testid="calibration">
          <Card title="Calibration: is the confidence honest?">
            <Table head={["Inputs", "Accuracy", "Mean confidence", "ECE", "MCE", "Brier", "NLL", "Confidently wrong"]} caption="Calibration clean and under each attack budget">
              <tr>
                <Td className="font-medium text-slate-900">clean</Td>
                <CalibrationRowCells r={calibration.clean} />
              </tr>
              {calibration.underAttack.map((u) => (
                <tr key={`${u.attack}${u.eps}`}>
                  <Td className="font-medium text-slate-900">{u.attack}<span className="block text-xs font-normal text-slate-500">{normName(u.norm)} ε={fmtEps(u.eps)}</span></Td>
                  <CalibrationRowCells r={u} />
                </tr>
              ))}
            </Table>
            <p className="mt-3 text-xs text-slate-500">
              ECE: expected calibration error over {calibration.clean.binning}, weighted by bin size; MCE: the largest gap of a bin. Brier: mean of Σ(p − y)², 0 is perfect, 2 the worst.
              NLL: mean negative log-likelihood of the true class (nats). Confidently wrong: wrong answers given with at least {pct(calibration.confidentThreshold, 0)} confidence, as a share of all samples.
              Under attack, each sample counts with the input the attack produced (its clean input when it was already misclassified).
            </p>
          </Card>
          <Card title="Reliability diagram" className="max-w-2xl">
            <LineChartSvg
              title="Accuracy against confidence, clean and at the largest budget of each attack"
              xName="confidence"
              model={reliabilityDiagram([
                { name: "clean", bins: calibration.clean.bins },
                ...strongest.map((u) => ({ name: `${u.attack} ε=${fmtEps(u.eps)}`, bins: u.bins })),
              ])}
            />
            <p className="mt-2 text-xs text-slate-500">Points below the dashed diagonal: the model is more confident than it is accurate.</p>
          </Card>
        </div>
      ) : null}

      {corruptions ? (
        <Card title="Common corruptions" className="mb-6">
          <div className="mb-4 grid gap-4 sm:grid-cols-3" data-testid="corruptions">
            <StatCard label="Clean accuracy" value={pct(corruptions.cleanAccuracy)} />
            <StatCard label="Mean accuracy under corruption" value={pct(corruptions.meanAccuracy)} sub={`over ${corruptions.rows.length} corruptions × ${corruptions.severities.length} severities`} />
            <StatCard label="Mean corruption error (mCE)" value={pct(corruptions.mCE)} sub={`relative mCE ${pct(corruptions.relativeMCE)} (minus the clean error)`} />
          </div>
          <Table head={["Corruption", ...corruptions.severities.map((s) => `Severity ${s}`), "Mean", "Error vs clean"]} caption="Accuracy per corruption and severity">
            {corruptions.rows.map((r) => (
              <tr key={r.corruption}>
                <Td className="font-medium text-slate-900">{r.label}<span className="block text-xs font-normal text-slate-500">{r.param}: {r.params.join(", ")}</span></Td>
                {r.accuracy.map((a, i) => <Td key={i} className="tabular-nums">{pct(a)}</Td>)}
                <Td className="tabular-nums font-medium">{pct(r.meanAccuracy)}</Td>
                <Td className="tabular-nums">{signedPp(r.relativeError)}</Td>
              </tr>
            ))}
          </Table>
          <p className="mt-3 text-xs text-slate-500">{corruptions.definition} Severity parameters after Hendrycks &amp; Dietterich (2019), CIFAR-10-C levels; every corrupted input is clipped to the model&apos;s value range.</p>
          {gallery ? (
            <div className="mt-5">
              <h3 className="mb-2 text-sm font-semibold text-slate-800">Gallery: sample {gallery.index} ({labels[gallery.label] ?? gallery.label}) under each corruption</h3>
              <div className="overflow-x-auto">
                <table className="text-xs" data-testid="corruption-gallery">
                  <caption className="sr-only">Sample {gallery.index} under each corruption and severity, with the model&apos;s answer</caption>
                  <thead>
                    <tr>
                      <th scope="col" className="px-1 text-left font-medium text-slate-600">Corruption</th>
                      <th scope="col" className="px-1 font-medium text-slate-600">original</th>
                      {corruptions.severities.map((s) => <th key={s} scope="col" className="px-1 font-medium text-slate-600">severity {s}</th>)}
                    </tr>
                  </thead>
                  <tbody>
                    {corruptions.rows.map((r) => (
                      <tr key={r.corruption}>
                        <th scope="row" className="px-1 text-left font-medium text-slate-700">{CORRUPTION_LABELS[r.corruption]}</th>
                        <td className="p-1"><img src={png(gallery.original, gallery.shape, range)} alt={`Sample ${gallery.index}, original`} className="w-16 [image-rendering:pixelated]" /></td>
                        {gallery.items.filter((it) => it.corruption === r.corruption).map((it) => (
                          <td key={it.severity} className="p-1 text-center">
                            <img src={png(it.pixels, gallery.shape, range)} alt={`${CORRUPTION_LABELS[it.corruption]}, severity ${it.severity}`} className="w-16 [image-rendering:pixelated]" />
                            <span className={it.pred === gallery.label ? "text-slate-600" : "font-semibold text-rose-700"}>{labels[it.pred] ?? it.pred} {pct(it.conf, 0)}</span>
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          ) : null}
        </Card>
      ) : null}

      {ood ? (
        <Card title="Out-of-distribution inputs" className="mb-6">
          <div className="mb-4 grid gap-4 sm:grid-cols-3" data-testid="ood">
            {ood.scores.map((s) => (
              <StatCard key={s.score} label={`AUROC, ${s.score === "msp" ? "max softmax probability" : "energy score"}`} value={s.auroc.toFixed(3)} sub={`FPR at 95% TPR: ${pct(s.fprAt95Tpr)}`} />
            ))}
            <StatCard label="OOD inputs answered confidently" value={pct(ood.highConfidenceShare)} sub={`share with confidence ≥ ${pct(ood.highConfidenceThreshold, 0)}`} />
          </div>
          <p className="text-xs text-slate-500">
            {ood.oodExamples} {ood.source === "synthetic" ? "synthetic images made by the engine (uniform noise, Gaussian noise and smooth random blobs, in equal shares)" : "samples of the OOD dataset version"} against the {ood.idExamples} evaluation samples.
            {ood.notes?.length ? <>{ood.notes.join(" ")}{" "}</> : null}
            AUROC: the chance that an in-distribution input scores higher than an OOD one (0.5 = cannot tell them apart, 1 = always can). FPR at 95% TPR: share of OOD inputs still accepted at the threshold that keeps 95% of the real inputs.
          </p>
        </Card>
      ) : null}
    </>
  );
}
