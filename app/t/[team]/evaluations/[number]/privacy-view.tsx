import { Card, Table, Td } from "@/app/_components/ui";
import { StatCard, VerdictBadge } from "@/app/_components/evaluation-ui";
import type { PrivacyConfig, PrivacyMetrics } from "@/lib/evaluations/privacy";
import type { AttackResult } from "@/lib/engine/privacy/scores";
import { advantageInterval, chanceAdvantage, type TprAtFpr } from "@/lib/engine/privacy/metrics";
import { interpretPrivacy } from "@/lib/evaluations/privacy-reading";
import { describeTrainingPrivacy, type TrainingPrivacy } from "@/lib/registry/model-card";
import { duration } from "./progress-card";

// Results of a privacy (membership-inference) evaluation: headline, plain-language reading, claims next to
// measurements, ROC curves, metrics with intervals, per-class breakdown, cost and provenance.

const COLORS = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#dc2626"];
const pct = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;
const f3 = (v: number) => v.toFixed(3);

function tprText(t: TprAtFpr | undefined, nonMembers: number) {
  if (!t) return "—";
  if (!t.resolvable || t.tpr === null || !t.ci) return <span className="text-slate-500">not resolvable with {nonMembers.toLocaleString("en")} non-members (needs {t.nonMembersNeeded.toLocaleString("en")})</span>;
  return <>{pct(t.tpr)} <span className="text-xs text-slate-500">[{pct(t.ci.low)}, {pct(t.ci.high)}] · chance {pct(t.fpr)}</span></>;
}

/** ROC curves of every attack, in the SVG style of the other charts (linear axes, chance diagonal). */
function RocChart({ attacks }: { attacks: AttackResult[] }) {
  const W = 560, H = 320, m = { top: 12, right: 16, bottom: 40, left: 48 };
  const x = (v: number) => m.left + v * (W - m.left - m.right);
  const y = (v: number) => H - m.bottom - v * (H - m.top - m.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const title = "ROC curves of the membership-inference attacks";
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} className="w-full" role="img" aria-label={title}>
        <title>{title}</title>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={m.left} x2={W - m.right} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={m.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize="10" fill="#64748b">{Math.round(t * 100)}%</text>
            <text x={x(t)} y={H - m.bottom + 14} textAnchor="middle" fontSize="10" fill="#64748b">{Math.round(t * 100)}%</text>
          </g>
        ))}
        <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} stroke="#94a3b8" strokeDasharray="5 4" />
        <text x={(m.left + W - m.right) / 2} y={H - 6} textAnchor="middle" fontSize="11" fill="#334155">false-positive rate (held-out records called members)</text>
        <text transform={`translate(12 ${(m.top + H - m.bottom) / 2}) rotate(-90)`} textAnchor="middle" fontSize="11" fill="#334155">true-positive rate</text>
        {attacks.map((a, i) => (
          <path key={a.attack} d={a.roc.map((p, k) => `${k ? "L" : "M"}${x(p.fpr).toFixed(1)},${y(p.tpr).toFixed(1)}`).join("")} fill="none" stroke={COLORS[i % COLORS.length]} strokeWidth={1.8}>
            <title>{`${a.label}: AUC ${f3(a.auc)}`}</title>
          </path>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {attacks.map((a, i) => (
          <span key={a.attack} className="inline-flex items-center gap-1.5">
            <span className="inline-block h-0.5 w-4" style={{ background: COLORS[i % COLORS.length] }} aria-hidden />
            {a.label} (AUC {f3(a.auc)})
          </span>
        ))}
        <span className="inline-flex items-center gap-1.5"><span className="inline-block h-0.5 w-4 border-t border-dashed border-slate-400" aria-hidden />chance</span>
      </figcaption>
    </figure>
  );
}

export function PrivacyResults({ metrics, config, reliability, provenance, claim }: {
  metrics: PrivacyMetrics;
  config: PrivacyConfig;
  reliability: { verdict: string; reasons: string[]; checks?: { id: string; status: string; detail: string }[] } | null;
  provenance: { members?: { label: string; source: string }; nonMembers?: { label: string }; references?: { reference: number; trainSize: number; epochs: number; accuracyOnTargets: number; examplesPerSecond: number }[]; shards?: { index: number; role: string; durationMs: number | null; backend: string | null }[]; wallClockMs?: number | null; trainingPrivacy?: TrainingPrivacy | null } | null;
  /** The card's current claim (the one at measurement time is in the provenance). */
  claim: TrainingPrivacy | null | undefined;
}) {
  const r = interpretPrivacy(metrics);
  const strongest = metrics.attacks.find((a) => a.attack === r.auc.attack) ?? metrics.attacks[0]!;
  const claimed = describeTrainingPrivacy(provenance?.trainingPrivacy ?? claim ?? null);
  const adj = pct(r.adjustedLevel, 2);
  const bestOf = r.attacksTried > 1 ? `best of ${r.attacksTried} attacks, ${adj} interval` : "95% interval";
  const [r1, r01] = [r.rates.find((x) => x.fpr === 0.01), r.rates.find((x) => x.fpr === 0.001)];
  const rateCard = (x: typeof r1, d: number) => x?.reading
    ? <>{bestOf} {pct(x.reading.ciAdjusted.low, d)}–{pct(x.reading.ciAdjusted.high, d)} · <strong>chance {pct(x.fpr, d === 1 ? 0 : 1)}</strong> · {x.reading.vsChance === "above" ? "above chance" : x.reading.vsChance === "below" ? "below chance" : "consistent with chance"}</>
    : <>not resolvable with {metrics.nonMembers.toLocaleString("en")} non-members (needs {(x?.nonMembersNeeded ?? 0).toLocaleString("en")})</>;
  return (
    <>
      <div className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <StatCard label="Membership AUC (strongest)" value={f3(r.auc.value)} testId="privacy-auc" sub={<>{bestOf} {f3(r.auc.ciAdjusted.low)}–{f3(r.auc.ciAdjusted.high)} · <strong>chance 0.500</strong> · {strongest.label}</>} />
        <StatCard label="TPR at 1% FPR" value={r1?.reading ? pct(r1.reading.tpr) : "n/r"} testId="privacy-tpr1" sub={rateCard(r1, 1)} />
        <StatCard label="TPR at 0.1% FPR" value={r01?.reading ? pct(r01.reading.tpr, 2) : "n/r"} testId="privacy-tpr01" sub={rateCard(r01, 2)} />
        <StatCard label="Membership advantage" value={pct(r.advantage.value)} testId="privacy-advantage" sub={<>{bestOf} {pct(r.advantage.ciAdjusted.low)}–{pct(r.advantage.ciAdjusted.high)} · <strong>chance up to {pct(r.advantage.chanceBestOf)}</strong> · max TPR − FPR</>} />
      </div>

      <Card title="What this means" className="mb-6">
        <p className={`mb-2 text-sm font-semibold ${r.detected ? "text-red-700" : "text-slate-900"}`} data-testid="privacy-conclusion">
          {r.detected ? "Membership leakage detected." : <>No leakage detectable at this sample size: this test would have detected an AUC of {f3(r.auc.minimumDetectable)} or more ({pct(0.8, 0)} power); smaller leakage is not ruled out.</>}
        </p>
        <div className="space-y-1.5 text-sm leading-relaxed text-slate-800" data-testid="privacy-reading">{r.sentences.map((x) => <p key={x}>{x}</p>)}</div>
        <div className="mt-4 grid gap-4 text-sm md:grid-cols-2">
          <div className="rounded-lg border border-slate-200 bg-slate-50 p-3">
            <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Claimed on the model card</p>
            <p className="mt-1 text-slate-800" data-testid="privacy-claim">{claimed ?? "No training-privacy claim (differential privacy not stated)."}</p>
          </div>
          <div className="rounded-lg border border-slate-200 bg-slate-50 p-3">
            <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Measured here</p>
            <p className="mt-1 text-slate-800">AUC {f3(r.auc.value)} ({bestOf} {f3(r.auc.ciAdjusted.low)}–{f3(r.auc.ciAdjusted.high)}; chance 0.5){r1?.reading ? `, TPR ${pct(r1.reading.tpr)} at 1% FPR (chance 1%)` : ""}. A small ε (e.g. ≤ 1) bounds any attack&apos;s advantage; a measurement can only show leakage, never prove its absence.</p>
          </div>
        </div>
        {reliability ? (
          <div className="mt-4 text-sm">
            <span className="mr-2 text-slate-600">Measurement quality:</span><VerdictBadge verdict={reliability.verdict} />
            {reliability.reasons.length ? <ul className="mt-2 list-disc pl-5 text-slate-700">{reliability.reasons.map((r) => <li key={r}>{r}</li>)}</ul> : null}
          </div>
        ) : null}
      </Card>

      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <Card title="ROC curves">
          <RocChart attacks={metrics.attacks} />
          <p className="mt-2 text-xs text-slate-600">The low-FPR corner matters most (Carlini et al. 2022): read the table for 1% and 0.1%.</p>
        </Card>
        <Card title="Attacks">
          <Table head={["Attack", "AUC [95%] · chance 0.5", "Advantage [95%] · chance ≤", "TPR @ 1% FPR", "TPR @ 0.1% FPR"]} caption="Membership-inference attacks">
            {metrics.attacks.map((a) => (
              <tr key={a.attack}>
                <Td className="font-medium text-slate-900">{a.label}</Td>
                <Td className="tabular-nums">{f3(a.auc)} <span className="text-xs text-slate-500">[{f3(a.aucCi.low)}, {f3(a.aucCi.high)}]</span></Td>
                <Td className="tabular-nums">{pct(a.advantage)} <span className="text-xs text-slate-500">[{pct(advantageInterval(a.advantage, a.members, a.nonMembers).low)}, {pct(advantageInterval(a.advantage, a.members, a.nonMembers).high)}] · ≤ {pct(chanceAdvantage(a.members, a.nonMembers))}</span></Td>
                <Td className="tabular-nums">{tprText(a.tprAt.find((t) => t.fpr === 0.01), metrics.nonMembers)}</Td>
                <Td className="tabular-nums">{tprText(a.tprAt.find((t) => t.fpr === 0.001), metrics.nonMembers)}</Td>
              </tr>
            ))}
          </Table>
          <p className="mt-2 text-xs text-slate-600">Each row is one attack with 95% intervals; the headline above takes the best of the {r.attacksTried} and widens its intervals to {adj} each (Bonferroni), so it stays 95% for all of them together. Chance: AUC 0.5; a guesser&apos;s TPR equals the FPR; a guesser&apos;s advantage stays below the &ldquo;≤&rdquo; figure in 95% of measurements of this size (Kolmogorov–Smirnov). AUC intervals: Hanley–McNeil (normal approximation). Advantage intervals: Dvoretzky–Kiefer–Wolfowitz (distribution-free, conservative). TPR intervals: exact Clopper–Pearson over the members, at a threshold set on the non-members (its own sampling error is not included).</p>
        </Card>
      </div>

      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <Card title={`Per class (${strongest.label})`}>
          <Table head={["Class", "Members", "Non-members", "AUC [95%]", "Advantage [95%]", "Chance, best of classes"]} caption="Per-class membership inference">
            {strongest.perClass.map((p) => {
              const c = r.perClass.rows.find((x) => x.label === p.label);
              return (
                <tr key={p.label}>
                  <Td className="font-medium text-slate-900">{p.label}</Td>
                  <Td className="tabular-nums">{p.members}</Td>
                  <Td className="tabular-nums">{p.nonMembers}</Td>
                  <Td className="tabular-nums">{c ? <>{f3(c.auc)} <span className="text-xs text-slate-500">[{f3(c.aucCi.low)}, {f3(c.aucCi.high)}]</span></> : <span className="text-slate-500">too few (needs 5 of each)</span>}</Td>
                  <Td className={`tabular-nums ${c?.standsOut ? "font-semibold text-red-700" : ""}`}>{c ? <>{pct(c.advantage)} <span className="text-xs text-slate-500">[{pct(c.advantageCi.low)}, {pct(c.advantageCi.high)}]</span></> : "—"}</Td>
                  <Td className="tabular-nums">{c ? `≤ ${pct(c.chanceAdvantageBestOf)}` : "—"}</Td>
                </tr>
              );
            })}
          </Table>
          <p className="mt-2 text-xs text-slate-600">Each class is a separate, smaller test: guessing alone gives the best of {r.perClass.measured} classes an advantage up to the last column (95%). A class stands out (red) only above it.</p>
        </Card>
        <Card title="Set-up and cost">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
            <dt className="text-slate-500">Members</dt><dd>{metrics.members} from {provenance?.members?.label ?? "the training data"}{provenance?.members?.source === "lineage" ? " (the card's training data)" : ""}</dd>
            <dt className="text-slate-500">Non-members</dt><dd>{metrics.nonMembers} from {provenance?.nonMembers?.label ?? "held-out data"}</dd>
            <dt className="text-slate-500">Seed</dt><dd>stratified by class, seeded</dd>
            <dt className="text-slate-500">LiRA</dt><dd>{metrics.lira ? `${metrics.lira.referenceModels} reference models × ${metrics.lira.epochs} epochs × ${metrics.lira.trainSize.toLocaleString("en")} examples (disjoint from every target), σ ${metrics.lira.sigma.toFixed(2)} pooled; reference accuracy ${pct(metrics.lira.referenceAccuracy)}` : config.referenceModels === 0 ? "not run (0 reference models)" : "—"}</dd>
            {provenance?.references?.length ? <><dt className="text-slate-500">Training speed</dt><dd>{Math.round(provenance.references.reduce((a, r) => a + r.examplesPerSecond, 0) / provenance.references.length).toLocaleString("en")} example-epochs/s per reference model</dd></> : null}
            <dt className="text-slate-500">Shards</dt><dd>{provenance?.shards?.map((s) => `${s.role} ${duration(s.durationMs)}`).join(" · ") ?? "—"}</dd>
            <dt className="text-slate-500">Wall clock</dt><dd>{duration(provenance?.wallClockMs ?? null)}</dd>
          </dl>
        </Card>
      </div>
    </>
  );
}
