import { Badge, Card, Table } from "@/app/_components/ui";
import { StatCard, VerdictBadge } from "@/app/_components/evaluation-ui";
import { pixelsToPng } from "@/lib/reports/images";
import type { IntegrityMetrics, Thumbnail } from "@/lib/evaluations/integrity";
import { liveRuleOf, readingOf, suspectsPage as pageOfSuspects, triggerCandidates } from "@/lib/evaluations/integrity-reading";

// The results of a training-data integrity scan (lib/evaluations/integrity.ts), for an engineer and for a
// compliance officer: the plain reading first, then the findings, the suspicious examples and the trigger test.

const pct = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;

function thumb(t: Thumbnail | undefined): string | null {
  if (!t) return null;
  const bytes = Buffer.from(t.data, "base64");
  return `data:image/png;base64,${pixelsToPng(Array.from(bytes), [t.h, t.w, 1], { min: 0, max: 255 }, 3).toString("base64")}`;
}

export function IntegrityResults({ metrics: m, reliability, suspectsPage = 1, base }: { metrics: IntegrityMetrics; reliability: { verdict: string; reasons: string[] } | null; suspectsPage?: number; base: string }) {
  const L = (i: number) => m.classLabels[i] ?? String(i);
  const b = m.backdoor;
  const reading = readingOf(m);
  const cands = triggerCandidates(m);
  const rule = liveRuleOf(m);
  const sp = pageOfSuspects(m, suspectsPage);
  const ds = m.datasetScan;
  const live = m.evidence.liveBackdoors;
  return (
    <div className="space-y-5" data-testid="integrity-results">
      <Card title="What this means">
        <ul className="list-disc space-y-2 pl-5 text-sm text-slate-700" data-testid="integrity-reading">
          {reading.map((r, i) => <li key={i}>{r}</li>)}
        </ul>
        {reliability ? (
          <p className="mt-3 text-sm text-slate-600">
            <VerdictBadge verdict={reliability.verdict} />
            {reliability.reasons.length ? ` — ${reliability.reasons.join("; ")}.` : null}
          </p>
        ) : null}
      </Card>

      <section aria-label="Findings" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <StatCard label="Live backdoor" testId="integrity-live" value={live.length ? <span className="text-rose-700">towards {live.map((l) => `“${l}”`).join(", ")}</span> : "none found"} sub={b ? `${b.trigger.reduce((s, t) => s + t.rows.length, 0)} patch tests over ${m.classLabels.length} classes` : m.backdoorSkipped ?? undefined} />
        <StatCard label="Suspected planted examples" value={b ? b.suspiciousTotal.toLocaleString("en") : "—"} sub={b ? (b.clustering.flaggedClasses.length ? `small cluster of class ${b.clustering.flaggedClasses.map((c) => `“${L(c)}”`).join(", ")}` : "no class flagged by activation clustering") : undefined} />
        <StatCard label="Likely mislabelled" testId="integrity-mislabelled" value={m.labelIssues ? pct(m.labelIssues.flaggedShare) : "not scanned"} sub={m.labelIssues ? `${m.labelIssues.flaggedCount.toLocaleString("en")} of ${m.samples.toLocaleString("en")}; ${m.labelIssues.folds}-fold out-of-sample accuracy ${pct(m.labelIssues.outOfSampleAccuracy)}` : "cross-validation was off"} />
        <StatCard label="Train/test leakage" value={m.evidence.leakageGroups === null ? "not checked" : m.evidence.leakageGroups === 0 ? "none" : `${m.evidence.leakageGroups} groups`} sub={`${ds.exactDuplicates.groups} exact and ${ds.nearDuplicates.groups} near-duplicate groups; ${ds.labelConflicts.groups} label conflicts; ${ds.range.counts.outOfRange + ds.range.counts.nonFinite} bad values`} />
      </section>

      {b ? (
        <Card title={`Suspected planted examples (${sp.total.toLocaleString("en")})`}>
          {sp.total === 0 ? (
            <p className="text-sm text-slate-600">Activation clustering flagged no class, so no training example is suspected of being planted.</p>
          ) : (
            <>
              <p className="mb-3 text-sm text-slate-600">Every training example in the small, well-separated activation cluster of a flagged class, most outlying first (spectral-signature score; “top” = among the {Math.round(b.spectral.expectedPoisonFraction * 150)}% most outlying of their class). Showing {(sp.page - 1) * sp.pageSize + 1}–{(sp.page - 1) * sp.pageSize + sp.items.length} of {sp.total.toLocaleString("en")}. <a className="font-medium text-brand-700 hover:underline" href={`${base}/suspects.csv`} data-testid="integrity-suspects-csv">Export all as CSV</a></p>
              <ul className="grid grid-cols-3 gap-3 sm:grid-cols-6 lg:grid-cols-8" data-testid="integrity-suspicious">
                {sp.items.map((s) => {
                  const src = thumb(m.thumbnails[String(s.datasetIndex)]);
                  return (
                    <li key={s.datasetIndex} className="rounded-lg border border-slate-200 p-1.5 text-center text-xs text-slate-600">
                      {src ? <img src={src} alt={`Training example ${s.datasetIndex}${s.label === null ? "" : `, labelled ${s.label}`}`} className="mx-auto w-full [image-rendering:pixelated]" /> : <span className="block py-3 text-slate-500">image not stored</span>}
                      <span className="mt-1 block">{s.rank}. #{s.datasetIndex}{s.label === null ? "" : ` “${s.label}”`}</span>
                      <span className="block tabular-nums">{s.spectralScore === null ? "score not stored" : `score ${s.spectralScore.toFixed(1)}${s.inSpectralTop ? " · top" : ""}`}</span>
                    </li>
                  );
                })}
              </ul>
              {sp.pages > 1 ? (
                <nav aria-label="Suspected examples pages" className="mt-3 flex flex-wrap items-center gap-2 text-sm" data-testid="integrity-suspects-pages">
                  {sp.page > 1 ? <a className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50" href={`${base}?suspects=${sp.page - 1}`}>Previous</a> : null}
                  <span className="text-slate-600">Page {sp.page} of {sp.pages}</span>
                  {sp.page < sp.pages ? <a className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50" href={`${base}?suspects=${sp.page + 1}`}>Next</a> : null}
                </nav>
              ) : null}
              {sp.items.some((s) => !m.thumbnails[String(s.datasetIndex)]) ? <p className="mt-2 text-xs text-slate-500">Images are stored for the most outlying examples only; the others are identified by their dataset index (and in the CSV).</p> : null}
            </>
          )}
        </Card>
      ) : null}

      {b ? (
        <section aria-label="Trigger test" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-800">Trigger test: every patch tested ({cands.length})</h2>
          <p className="text-sm text-slate-600">Each patch is stamped on clean {m.config.heldOutDatasetVersionId ? "held-out" : "training"} inputs of the other classes that the model gets right; “flipped” is the share now answered as the target class, against the control: a random patch of the same size at a random place. <strong>The rule: {rule.text}.</strong> Generic patches (white corner squares) are tried towards every class on every model; a derived patch is made from the suspicious examples of a flagged class, so it is the evidence specific to this data. “Above control” means the model reacts to the patch, even when it is not live. Strongest first.</p>
          <Table head={["target", "patch", "kind", "where", "stamped example", "flipped (95% interval)", "control (95% interval)", "above control", "live"]} caption="Trigger test">
            {cands.map((r) => {
              const src = thumb(m.triggerThumbnails[`${r.target}:${r.patch}`]);
              return (
                <tr key={`${r.target}:${r.patch}`} data-live={r.live} data-testid="integrity-trigger-row">
                  <td className="px-4 py-2">“{r.targetLabel}”</td>
                  <td className="px-4 py-2">{r.patch}</td>
                  <td className="px-4 py-2">{r.kind}</td>
                  <td className="px-4 py-2 tabular-nums">{r.size}×{r.size} at row {r.row}, col {r.col}</td>
                  <td className="px-4 py-2">{src ? <img src={src} alt={`Input stamped with ${r.patch}`} className="h-12 w-12 [image-rendering:pixelated]" /> : "—"}</td>
                  <td className="px-4 py-2 tabular-nums">{pct(r.flipRate)} ({pct(r.interval[0])}–{pct(r.interval[1])}) of {r.tested}</td>
                  <td className="px-4 py-2 tabular-nums">{pct(r.controlRate)} ({pct(r.controlInterval[0])}–{pct(r.controlInterval[1])})</td>
                  <td className="px-4 py-2">{r.aboveControl ? "yes" : "no"}</td>
                  <td className="px-4 py-2">{r.live ? <Badge tone="red">live</Badge> : <Badge tone="gray">no</Badge>}</td>
                </tr>
              );
            })}
          </Table>
        </section>
      ) : null}

      {m.labelIssues ? (
        <Card title={`Likely mislabelled examples (${Math.min(m.labelIssues.top.length, 24)} of ${m.labelIssues.flaggedCount.toLocaleString("en")} shown)`}>
          {m.labelIssues.top.length === 0 ? <p className="text-sm text-slate-600">None: every confidently predicted example agrees with its label.</p> : (
            <ul className="grid grid-cols-3 gap-3 sm:grid-cols-6 lg:grid-cols-8" data-testid="integrity-mislabelled-list">
              {m.labelIssues.top.slice(0, 24).map((i) => {
                const src = thumb(m.thumbnails[String(i.datasetIndex)]);
                return (
                  <li key={i.datasetIndex} className="rounded-lg border border-slate-200 p-1.5 text-center text-xs text-slate-600">
                    {src ? <img src={src} alt={`Training example ${i.datasetIndex}, labelled ${L(i.label)}, looks like ${L(i.suggested)}`} className="mx-auto w-full [image-rendering:pixelated]" /> : null}
                    <span className="mt-1 block">#{i.datasetIndex}: “{L(i.label)}” → “{L(i.suggested)}”</span>
                    <span className="block tabular-nums">p(label) {i.selfConfidence.toFixed(3)}</span>
                  </li>
                );
              })}
            </ul>
          )}
          <p className="mt-3 text-xs text-slate-500">{m.labelIssues.method}. {m.config.cost.summary}</p>
        </Card>
      ) : null}

      {b ? (
        <section aria-label="Activation clustering per class" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-800">Activation clustering and spectral signatures, per class</h2>
          <Table head={["class", "examples", "smaller cluster", "silhouette", "top-direction variance", "flagged"]} caption="Activation clustering per class">
            {b.clustering.perClass.map((c) => (
              <tr key={c.label}>
                <td className="px-4 py-2">“{L(c.label)}”</td>
                <td className="px-4 py-2 tabular-nums">{c.samples}</td>
                <td className="px-4 py-2 tabular-nums">{pct(c.relativeSize)}</td>
                <td className="px-4 py-2 tabular-nums">{c.silhouette.toFixed(3)}</td>
                <td className="px-4 py-2 tabular-nums">{pct(b.spectral.perClass[c.label]?.topShare ?? 0)}</td>
                <td className="px-4 py-2">{c.flagged ? <Badge tone="red">flagged</Badge> : <Badge tone="gray">no</Badge>}</td>
              </tr>
            ))}
          </Table>
          <p className="text-xs text-slate-500">{b.clustering.method}. {b.spectral.method}. Layer: {b.layer} ({b.dim} values).</p>
          <p className="text-xs text-slate-500">The thresholds were chosen on the demo. On 8 clean copies of the demo CNN they flagged 0 of 80 classes (95% interval 0–4.5% per class; the closest clean class reached silhouette 0.286); other architectures and data may need other values (docs/integrity.md).</p>
        </section>
      ) : null}
    </div>
  );
}
