import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { approveReport } from "@/lib/reports";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.approveReport, (ctx, { params, body }) => approveReport(ctx, { reportId: params.id, snapshotSha256: body.snapshotSha256, comment: body.comment }));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
