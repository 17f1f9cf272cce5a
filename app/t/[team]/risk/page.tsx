import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, EmptyState, PageHeader, Table, Td, type Tone } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { getRiskRegister } from "@/lib/compliance/posture";
import { describeThreshold, TIER_LABELS, type Tier } from "@/lib/compliance/policy";
import { STATUS_LABELS } from "@/lib/compliance/engine-types";
import { VerdictBadge } from "@/app/_components/evaluation-ui";

export const metadata: Metadata = { title: "Model risk register" };

const TIER_TONE: Record<string, Tone> = { unacceptable: "red", high: "amber", limited: "blue", minimal: "gray" };
const pct = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);

export default async function RiskRegisterPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const { rows, assessment: a } = await getRiskRegister(ctx);
  const base = `/t/${ctx.team.slug}`;
  return (
    <>
      <PageHeader
        title="Model risk register"
        description={<>Every active model with its risk tier, latest measured robustness, whether that evaluation passed its own checks, open regression alerts and failing controls. Thresholds come from {a.policyVersion ? `policy v${a.policyVersion}` : "the default policy"} (<Link className="text-brand-700 hover:underline" href={`${base}/settings/policy`}>view</Link>).</>}
      />
      {rows.length === 0 ? (
        <EmptyState icon={icons.models("h-10 w-10")} title="No models registered">
          Register a model version with its card under <Link className="text-brand-700 hover:underline" href={`${base}/models`}>Models</Link>; it appears here with its risk and controls.
        </EmptyState>
      ) : (
        <Table head={["Model", "Risk tier", "Clean accuracy", "Robust accuracy", "Evaluation checks", "Open alerts", "Controls failing", "Next evaluation"]} caption="Model risk register">
          {rows.map((r) => {
            const tp = a.policy.tiers[r.tier as Tier];
            const thr = tp.thresholds[0];
            return (
              <tr key={r.modelId} data-model={r.name}>
                <Td>
                  <Link href={`${base}/models/${r.modelId}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">{r.name} v{r.version}</Link>
                  <div className="text-xs text-slate-500">Owner {r.owner}</div>
                  <code className="text-[10px] text-slate-500" title={r.digest}>sha256 {r.digest.slice(0, 16)}…</code>
                </Td>
                <Td><Badge tone={TIER_TONE[r.tier] ?? "gray"}>{TIER_LABELS[r.tier as Tier] ?? r.tier}</Badge></Td>
                <Td className="whitespace-nowrap">
                  {r.latest ? <Link className="hover:underline" href={`${base}/evaluations/${r.latest.number}`}>{pct(r.latest.cleanAccuracy)}</Link> : <span className="text-slate-500">not evaluated</span>}
                  {r.latest ? <div className="text-xs text-slate-500">#{r.latest.number}, {r.latest.finishedAt.toISOString().slice(0, 10)}</div> : null}
                </Td>
                <Td className="whitespace-nowrap">
                  {r.latest?.robust ? (
                    <>
                      <span className={thr && r.latest.robust.robustAccuracy < thr.min ? "font-semibold text-rose-700" : ""}>{pct(r.latest.robust.robustAccuracy)}</span>
                      <div className="text-xs text-slate-500">worst case, {r.latest.robust.norm === "linf" ? "Linf" : "L2"} {r.latest.robust.eps}</div>
                      {thr ? <div className="text-xs text-slate-500">policy: {describeThreshold(thr).replace("worst-case robust accuracy ", "")}</div> : null}
                    </>
                  ) : <span className="text-slate-500">—</span>}
                </Td>
                <Td><VerdictBadge verdict={r.latest?.verdict ?? null} /></Td>
                <Td>{r.openAlerts ? <Badge tone="red">{r.openAlerts} open</Badge> : <span className="text-slate-500">none</span>}</Td>
                <Td>
                  {r.failing.length === 0 ? <span className="text-slate-500">none</span> : (
                    <details>
                      <summary className="cursor-pointer text-sm font-semibold text-rose-700">{r.failing.length} {STATUS_LABELS.failing.toLowerCase()}</summary>
                      <ul className="mt-1 space-y-1 text-xs">
                        {r.failing.slice(0, 12).map((f) => (
                          <li key={f.control}><Link className="text-brand-700 hover:underline" href={`${base}/controls?control=${encodeURIComponent(f.control)}&model=${r.modelId}`}>{f.controlId}</Link> <span className="text-slate-600">{f.reason}</span></li>
                        ))}
                      </ul>
                    </details>
                  )}
                  <div className="mt-1 text-[11px] text-slate-500">{r.counts.satisfied} satisfied · {r.counts.partial} partial · {r.counts.stale} stale · {r.counts.not_assessed} not assessed</div>
                </Td>
                <Td className="whitespace-nowrap text-xs">
                  {r.nextScheduled ? (<>{r.nextScheduled.name}<div className="text-slate-500"><code>{r.nextScheduled.cron}</code>{r.nextScheduled.paused ? " (paused)" : ""}</div></>) : <span className={tp.requireSchedule ? "font-semibold text-rose-700" : "text-slate-500"}>no schedule{tp.requireSchedule ? " (required)" : ""}</span>}
                </Td>
              </tr>
            );
          })}
        </Table>
      )}
    </>
  );
}
