import { routeTeam } from "@/app/_lib/route";
import { evaluationRecords } from "@/lib/evaluations/results";

export async function GET(_req: Request, { params }: { params: Promise<{ team: string; number: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => {
    const r = await evaluationRecords(ctx, Number(p.number));
    return new Response(JSON.stringify({ ...r.evaluation, classLabels: r.classLabels, records: r.records }, null, 1), {
      headers: { "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="evaluation-${r.evaluation.number}.json"` },
    });
  });
}
