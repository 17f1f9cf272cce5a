import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { evaluationForApi } from "@/lib/evaluations/api-view";
import { cancelEvaluation, getEvaluation } from "@/lib/evaluations/manage";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.cancelEvaluation, async (ctx, { params }) => {
  const { ev } = await getEvaluation(ctx, params.number);
  await cancelEvaluation(ctx, ev.id);
  return evaluationForApi(ctx, params.number);
});
