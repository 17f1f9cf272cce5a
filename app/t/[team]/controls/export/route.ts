import { teamAccess } from "@/app/_lib/team";
import { toAppError } from "@/lib/errors";
import { assessTeam } from "@/lib/compliance/posture";
import { FRAMEWORK_IDS, getCatalog, type FrameworkId } from "@/lib/compliance/catalog";
import { statusesToCsv } from "@/lib/compliance/export";

/** CSV of every control × model status with reasons, evidence digests and versions (?fw= one framework). */
export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  try {
    const access = await teamAccess(team);
    if (!access.ok) return new Response(access.message, { status: access.status });
    const { ctx } = access;
    const fwParam = new URL(req.url).searchParams.get("fw") ?? "";
    const fw = (FRAMEWORK_IDS as readonly string[]).includes(fwParam) ? (fwParam as FrameworkId) : undefined;
    const a = await assessTeam(ctx, { frameworks: fw ? [fw] : undefined });
    const csv = statusesToCsv(a.statuses, getCatalog(), a.evidence.models, fw);
    const name = `${ctx.team.slug}-controls${fw ? `-${fw}` : ""}-${a.computedAt.toISOString().slice(0, 10)}.csv`;
    return new Response(csv, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` } });
  } catch (e) {
    const known = toAppError(e);
    if (known) return new Response(known.message, { status: known.status });
    throw e;
  }
}
