import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { evaluationForApi } from "@/lib/evaluations/api-view";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getEvaluation, (ctx, { params }) => evaluationForApi(ctx, params.number));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
