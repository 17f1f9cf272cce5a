import { Badge, Card, Table } from "@/app/_components/ui";
import { StatCard } from "@/app/_components/evaluation-ui";
import { pixelsToPng } from "@/lib/reports/images";
import type { IntegrityMetrics, Thumbnail } from "@/lib/evaluations/integrity";

// The results of a training-data integrity scan (lib/evaluations/integrity.ts), for an engineer and for a
// compliance officer: the plain reading first, then the findings, the suspicious examples and the trigger test.

const pct = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;

function thumb(t: Thumbnail | undefined): string | null {
  if (!t) return null;
  const bytes = Buffer.from(t.data, "base64");
  return `data:image/png;base64,${pixelsToPng(Array.from(bytes), [t.h, t.w, 1], { min: 0, max: 255 }, 3).toString("base64")}`;
}

export function IntegrityResults({ metrics: m, reliability }: { metrics: IntegrityMetrics; reliability: { verdict: string; reasons: string[] } | null }) {
  const L = (i: number) => m.classLabels[i] ?? String(i);
  const b = m.backdoor;
  const ds = m.datasetScan;
  const live = m.evidence.liveBackdoors;
  return (
    <div className="space-y-5" data-testid="integrity-results">
      <Card title="What this means">
        <ul className="list-disc space-y-2 pl-5 text-sm text-slate-700" data-testid="integrity-reading">
          {m.reading.map((r, i) => <li key={i}>{r}</li>)}
        </ul>
        {reliability ? (
          <p className="mt-3 text-sm text-slate-600">
            Reliability: <Badge tone={reliability.verdict === "reliable" ? "green" : "amber"}>{reliability.verdict}</Badge>
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
        <Card title={`Suspected planted examples (${b.suspicious.length} of ${b.suspiciousTotal} shown)`}>
          {b.suspicious.length === 0 ? (
            <p className="text-sm text-slate-600">Activation clustering flagged no class, so no training example is suspected of being planted.</p>
          ) : (
            <>
              <p className="mb-3 text-sm text-slate-600">Training examples in the small, well-separated activation cluster of a flagged class, most outlying first (spectral-signature score; “top” = among the {Math.round(b.spectral.expectedPoisonFraction * 150)}% most outlying of their class).</p>
              <ul className="grid grid-cols-3 gap-3 sm:grid-cols-6 lg:grid-cols-8" data-testid="integrity-suspicious">
                {b.suspicious.map((s) => {
                  const src = thumb(m.thumbnails[String(s.index)]);
                  return (
                    <li key={s.index} className="rounded-lg border border-slate-200 p-1.5 text-center text-xs text-slate-600">
                      {src ? <img src={src} alt={`Training example ${s.index}, labelled ${L(s.label)}`} className="mx-auto w-full [image-rendering:pixelated]" /> : null}
                      <span className="mt-1 block">#{s.index} “{L(s.label)}”</span>
                      <span className="block tabular-nums">score {s.spectralScore.toFixed(1)}{s.inSpectralTop ? " · top" : ""}</span>
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </Card>
      ) : null}

      {b ? (
        <section aria-label="Trigger test" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-800">Trigger test</h2>
          <p className="text-sm text-slate-600">Each patch is stamped on clean {m.config.heldOutDatasetVersionId ? "held-out" : "training"} inputs of the other classes that the model gets right; “flipped” is the share now answered as the target class, against a random patch of the same size at a random place. Live: at least 50% flipped and the interval above the control&apos;s. Shown: derived patches, live patches, and every patch towards a flagged class.</p>
          <Table head={["target", "patch", "where", "stamped example", "flipped (95% interval)", "control", "live"]} caption="Trigger test">
            {b.trigger.flatMap((t) => t.rows.filter((r) => r.live || r.patch === "derived" || b.clustering.flaggedClasses.includes(t.target)).map((r) => {
              const src = thumb(m.triggerThumbnails[`${t.target}:${r.patch}`]);
              return (
                <tr key={`${t.target}:${r.patch}`} data-live={r.live}>
                  <td className="px-4 py-2">“{L(t.target)}”</td>
                  <td className="px-4 py-2">{r.patch}</td>
                  <td className="px-4 py-2 tabular-nums">{r.size}×{r.size} at row {r.row}, col {r.col}</td>
                  <td className="px-4 py-2">{src ? <img src={src} alt={`Input stamped with ${r.patch}`} className="h-12 w-12 [image-rendering:pixelated]" /> : "—"}</td>
                  <td className="px-4 py-2 tabular-nums">{pct(r.flipRate)} ({pct(r.interval[0])}–{pct(r.interval[1])}) of {r.tested}</td>
                  <td className="px-4 py-2 tabular-nums">{pct(r.controlRate)}</td>
                  <td className="px-4 py-2">{r.live ? <Badge tone="red">live</Badge> : <Badge tone="gray">no</Badge>}</td>
                </tr>
              );
            }))}
            {b.trigger.every((t) => t.rows.every((r) => !(r.live || r.patch === "derived" || b.clustering.flaggedClasses.includes(t.target)))) ? (
              <tr><td colSpan={7} className="px-4 py-3 text-slate-600">No patch was live and no class was flagged: the four corner patches were tested towards every class without effect.</td></tr>
            ) : null}
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
        </section>
      ) : null}
    </div>
  );
}
