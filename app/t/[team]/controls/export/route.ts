import { teamAccess } from "@/app/_lib/team";
import { toAppError } from "@/lib/errors";
import { assessTeam } from "@/lib/compliance/posture";
import { statusesToCsv } from "@/lib/compliance/export";

/** CSV of every control × model status with reasons, evidence digests and versions (?fw= one framework). */
export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  try {
    const access = await teamAccess(team);
    if (!access.ok) return new Response(access.message, { status: access.status });
    const { ctx } = access;
    const fwParam = new URL(req.url).searchParams.get("fw") ?? "";
    const all = await assessTeam(ctx);
    const fw = all.catalog.frameworks.find((f) => f.id === fwParam)?.id;
    const a = fw ? { ...all, statuses: all.statuses.filter((s) => s.framework === fw) } : all;
    const csv = statusesToCsv(a.statuses, a.catalog, a.evidence.models, fw);
    const name = `${ctx.team.slug}-controls${fw ? `-${fw}` : ""}-${a.computedAt.toISOString().slice(0, 10)}.csv`;
    return new Response(csv, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` } });
  } catch (e) {
    const known = toAppError(e);
    if (known) return new Response(known.message, { status: known.status });
    throw e;
  }
}
