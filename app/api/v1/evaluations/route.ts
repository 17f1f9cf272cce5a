import { apiRoute, parseJson } from "@/app/_lib/api";
import { CreateEvaluationSchema } from "@/lib/evaluations/schemas";
import { createEvaluation } from "@/lib/evaluations/create";
import { evaluationForApi } from "@/lib/evaluations/api-view";

export const dynamic = "force-dynamic";

/** Launch an evaluation (the same fields and checks as the web form). 201 with the evaluation. */
export async function POST(req: Request) {
  return apiRoute(req, "evaluation.run", async (ctx) => {
    const input = await parseJson(req, CreateEvaluationSchema);
    const created = await createEvaluation(ctx, input, { priority: 10 });
    return Response.json({ ...(await evaluationForApi(ctx, created.number)), warnings: created.warnings }, { status: 201, headers: { location: `/api/v1/evaluations/${created.number}` } });
  });
}
