import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, Card, PageHeader } from "@/app/_components/ui";
import { teamCounts } from "@/lib/teams/members";
import { verifyTeamChainRecent } from "@/lib/audit/log";
import { checkHealth } from "@/lib/health";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { PostureSection } from "./posture";
import { EvaluationsSection } from "./evaluations";
import { ForYouSection, forYouData } from "./review";
import { dashboardEvaluations } from "@/lib/evaluations/page-data";
import { getPosture } from "@/lib/compliance/posture";

export const metadata: Metadata = { title: "Dashboard" };

function Stat({ label, value, children }: { label: string; value: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-2 text-2xl font-semibold text-slate-900">{value}</p>
      {children ? <div className="mt-2 text-sm text-slate-600">{children}</div> : null}
    </div>
  );
}

export default async function Dashboard({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  // Everything the sections show, read at once: the sections then render in one pass rather than each
  // streaming in when its own data arrives (fewer chunks to render, compress and write; issue 27).
  const [counts, chain, health, forYou, evaluations, posture] = await Promise.all([
    teamCounts(ctx, { events: false }),
    verifyTeamChainRecent(ctx),
    checkHealth(),
    forYouData(ctx),
    dashboardEvaluations(ctx),
    getPosture(ctx),
  ]);
  const { members } = counts;
  // An intact chain has exactly the events #1…count; only a broken one needs them counted.
  const events = chain.intact ? chain.count : (await teamCounts(ctx)).events;
  const base = `/t/${ctx.team.slug}`;
  return (
    <>
      <PageHeader title={ctx.team.name} description={<>You are signed in as <strong>{ROLE_LABELS[ctx.role]}</strong> of this team.</>} />
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Members" value={members}>
          <Link className="text-brand-700 hover:underline" href={`${base}/settings/members`}>Manage members</Link>
        </Stat>
        <Stat label="Audit trail" value={events}>
          {chain.intact ? <Badge tone="green">Chain intact</Badge> : <Badge tone="red">Chain broken at #{chain.brokenAt.seq}</Badge>}
        </Stat>
        <Stat label="Workers" value={health.workers.alive}>
          {health.workers.alive > 0 ? (
            <Badge tone="green">Ready · last heartbeat {health.workers.newestHeartbeatAgeSeconds}s ago</Badge>
          ) : (
            <Badge tone="amber">No worker running: evaluations will wait</Badge>
          )}
        </Stat>
      </div>
      <ForYouSection ctx={ctx} data={forYou} />
      <EvaluationsSection ctx={ctx} data={evaluations} />
      <PostureSection ctx={ctx} posture={posture} />
      <Card title="Getting started" className="mt-6">
        <ol className="space-y-3 text-sm text-slate-700">
          <li><strong>1. Register a model</strong> version with its model card under <Link className="text-brand-700 hover:underline" href={`${base}/models`}>Models</Link>.</li>
          <li><strong>2. Add an evaluation dataset</strong> with its provenance and licence under <Link className="text-brand-700 hover:underline" href={`${base}/datasets`}>Datasets</Link>.</li>
          <li><strong>3. Run an evaluation</strong> (FGSM, PGD, AutoAttack-style) under <Link className="text-brand-700 hover:underline" href={`${base}/evaluations`}>Evaluations</Link>.</li>
          <li><strong>4. Review controls</strong> and attest what no measurement can show under <Link className="text-brand-700 hover:underline" href={`${base}/controls`}>Controls</Link>, then export a signed report.</li>
        </ol>
      </Card>
    </>
  );
}
