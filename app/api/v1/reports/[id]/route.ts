import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getReport } from "@/lib/reports";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getReport, (ctx, { params }) => getReport(ctx, params.id));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
