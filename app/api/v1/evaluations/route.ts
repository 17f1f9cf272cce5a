import { creating, endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { listEvaluationsApi } from "@/lib/api/views";
import { createEvaluationApi } from "@/lib/api/write";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listEvaluations, (ctx, { query }) => listEvaluationsApi(ctx, query));

/** Launch an evaluation (the same fields and checks as the web form). 201 with the evaluation. */
export const POST = creating(OPS.createEvaluation, (ctx, { body }) => createEvaluationApi(ctx, body), (created) => `/api/v1/evaluations/${created.number}`);

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
