import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { verifyReportApi } from "@/lib/api/reports";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.verifyReport, (ctx, { req }) => verifyReportApi(ctx, req));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
