import { routeTeam } from "@/app/_lib/route";
import { evaluationRecords } from "@/lib/evaluations/results";
import { recordsToCsv } from "@/lib/evaluations/export";

export async function GET(_req: Request, { params }: { params: Promise<{ team: string; number: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => {
    const r = await evaluationRecords(ctx, Number(p.number));
    return new Response(recordsToCsv(r.records, r.classLabels), {
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="evaluation-${r.evaluation.number}.csv"` },
    });
  });
}
