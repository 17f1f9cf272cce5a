import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { evaluationForApi } from "@/lib/evaluations/api-view";
import { cancelEvaluation, getEvaluation } from "@/lib/evaluations/manage";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.cancelEvaluation, async (ctx, { params }) => {
  const { ev } = await getEvaluation(ctx, params.number);
  await cancelEvaluation(ctx, ev.id);
  return evaluationForApi(ctx, params.number);
});

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
