import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { requestReview } from "@/lib/reports/review";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.requestReportReview, (ctx, { params, body }) => requestReview(ctx, { reportId: params.id, reviewer: body.reviewer }));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
