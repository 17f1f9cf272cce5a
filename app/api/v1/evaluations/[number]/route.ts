import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { evaluationForApi } from "@/lib/evaluations/api-view";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getEvaluation, (ctx, { params }) => evaluationForApi(ctx, params.number));
