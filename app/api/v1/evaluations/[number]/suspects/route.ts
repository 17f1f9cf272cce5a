import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { integritySuspects, integritySuspectsPage } from "@/lib/evaluations/integrity-suspects";
import { suspectsToCsv } from "@/lib/evaluations/integrity-reading";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listEvaluationSuspects, async (ctx, { params, query }) => {
  if (query.format === "csv") {
    const r = await integritySuspects(ctx, params.number);
    return new Response(suspectsToCsv(r.rows), { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="evaluation-${r.number}-suspects.csv"`, "cache-control": "no-store" } });
  }
  return integritySuspectsPage(ctx, params.number, query);
});

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
