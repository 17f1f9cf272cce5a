import { routeTeam } from "@/app/_lib/route";
import { integritySuspects } from "@/lib/evaluations/integrity-suspects";
import { suspectsToCsv } from "@/lib/evaluations/integrity-reading";

export async function GET(_req: Request, { params }: { params: Promise<{ team: string; number: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => {
    const r = await integritySuspects(ctx, Number(p.number));
    return new Response(suspectsToCsv(r.rows), {
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="evaluation-${r.number}-suspects.csv"` },
    });
  });
}
