import { creating, endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { createReportApi, listReportsApi } from "@/lib/api/reports";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listReports, (ctx, { query }) => listReportsApi(ctx, query));

export const POST = creating(OPS.createReport, (ctx, { body }) => createReportApi(ctx, body), (r) => `/api/v1/reports/${r.id}`);

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
