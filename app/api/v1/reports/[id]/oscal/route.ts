import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { oscalResponse } from "@/app/_lib/oscal";
import { OPS } from "@/lib/api/operations";
import { oscalReportApi } from "@/lib/api/oscal";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getReportOscal, async (ctx, { params }) => oscalResponse(await oscalReportApi(ctx, params.id)));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
