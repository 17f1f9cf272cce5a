import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { approveReport } from "@/lib/reports";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.approveReport, (ctx, { params, body }) => approveReport(ctx, { reportId: params.id, snapshotSha256: body.snapshotSha256 }));
