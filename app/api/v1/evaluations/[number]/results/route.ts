import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { evaluationResultsApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getEvaluationResults, (ctx, { params }) => evaluationResultsApi(ctx, params.number));
