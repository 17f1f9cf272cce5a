import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { requestChanges } from "@/lib/reports/review";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.requestReportChanges, (ctx, { params, body }) => requestChanges(ctx, { reportId: params.id, reason: body.reason, snapshotSha256: body.snapshotSha256 }));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
