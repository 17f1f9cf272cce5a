import Link from "@/app/_components/link";
import type { TeamContext } from "@/lib/teams/access";
import type { PostureSnapshot } from "@/lib/compliance/posture";
import { stackedBarModel, trendModel } from "@/lib/compliance/charts";
import { STATUS_LABELS } from "@/lib/compliance/engine-types";
import { Card } from "@/app/_components/ui";
import { StackedBars, TrendLines } from "@/app/_components/posture-charts";
import { StatusBadge } from "@/app/_components/compliance-ui";

/** The team's compliance posture: counts per framework, trend, and the top gaps in plain words. */
export function PostureSection({ ctx, posture: p }: { ctx: TeamContext; posture: PostureSnapshot }) {
  const base = `/t/${ctx.team.slug}`;
  const bars = stackedBarModel(p.frameworks.map((f) => ({ label: f.name, sublabel: `${f.total} controls`, counts: f.counts })), { width: 640 });
  const trend = trendModel(p.trend.map((t) => ({ at: t.at, counts: t.counts["nist-ai-rmf"] })), { width: 640, height: 190 });
  return (
    <section aria-labelledby="posture-heading" className="mt-6 space-y-4" data-testid="posture">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 id="posture-heading" className="text-lg font-semibold text-slate-900">Compliance posture</h2>
          <p className="text-xs text-slate-500">
            {`Computed ${p.computedAt.toISOString().slice(0, 16).replace("T", " ")} UTC with catalog ${p.catalogVersion} and ${p.policyVersion ? `policy v${p.policyVersion}` : "the default policy"}. A control counts as failing if it fails for any model.`}
          </p>
        </div>
        <div className="flex gap-3 text-sm">
          <Link className="text-brand-700 hover:underline" href={`${base}/controls`}>Controls explorer</Link>
          <Link className="text-brand-700 hover:underline" href={`${base}/risk`}>Model risk register</Link>
        </div>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Controls per framework">
          <StackedBars model={bars} title="Controls per framework by status" />
        </Card>
        <Card title="NIST AI RMF over time">
          {trend.points > 1 ? <TrendLines model={trend} title="NIST AI RMF controls per status over time" /> : <p className="text-sm text-slate-500">The trend appears once the posture has changed or a day has passed; each change is recorded.</p>}
        </Card>
      </div>
      <Card title="Top gaps">
        {p.gaps.length === 0 ? (
          <p className="text-sm text-slate-600">No failing, stale or partly met measured controls. Controls that need a reviewer&apos;s statement are listed in the controls explorer.</p>
        ) : (
          <ol className="divide-y divide-slate-100" aria-label="Top gaps">
            {p.gaps.map((g) => (
              <li key={`${g.control}-${g.modelId}`} className="flex flex-wrap items-start gap-3 py-2.5">
                <StatusBadge status={g.status} />
                <div className="min-w-0 flex-1">
                  <Link href={`${base}/controls?fw=${g.framework}&control=${encodeURIComponent(g.control)}${g.modelId ? `&model=${g.modelId}` : ""}`} className="text-sm font-medium text-slate-900 hover:text-brand-700 hover:underline">
                    {g.sentence}
                  </Link>
                  {g.next ? <p className="mt-0.5 text-xs text-slate-600"><span className="font-semibold">Next:</span> {g.next}</p> : null}
                </div>
              </li>
            ))}
          </ol>
        )}
      </Card>
      {p.expiringSoon.length ? (
        <Card title="Attestations expiring within 30 days">
          <ul className="space-y-1 text-sm" aria-label="Attestations expiring soon">
            {p.expiringSoon.map((x) => (
              <li key={x.id}>
                <Link className="font-medium text-brand-700 hover:underline" href={`${base}/controls?control=${encodeURIComponent(x.control)}`}>{x.controlId}</Link>{" "}
                <span className="text-slate-600">by {x.by}, expires {x.expiresAt.toISOString().slice(0, 10)}; the control turns stale unless a reviewer renews it.</span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      {p.awaitingAttestation ? (
        <p className="text-sm text-slate-700">
          <strong>{p.awaitingAttestation}</strong> controls need a reviewer&apos;s attestation that no measurement can replace (governance, impact, oversight).{" "}
          <Link className="text-brand-700 hover:underline" href={`${base}/controls?fw=nist-ai-rmf&status=not_assessed`}>Review them</Link>
        </p>
      ) : null}
      {p.models.length ? (
        <p className="text-xs text-slate-500">
          Per model: {p.models.map((m) => `${m.label} (${m.tier}) — ${m.counts.failing} ${STATUS_LABELS.failing.toLowerCase()}, ${m.counts.satisfied} ${STATUS_LABELS.satisfied.toLowerCase()}`).join("; ")}.
        </p>
      ) : null}
    </section>
  );
}
