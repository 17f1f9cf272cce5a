import { answerWith, endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getReport } from "@/lib/reports";
import { reviseReport } from "@/lib/reports/review";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.reviseReport, async (ctx, { params, body }) => {
  const created = await reviseReport(ctx, { reportId: params.id, title: body.title });
  return answerWith(OPS.reviseReport, await getReport(ctx, created.id), { location: `/api/v1/reports/${created.id}` });
});

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
