import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { verifyReportApi } from "@/lib/api/reports";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.verifyReport, (ctx, { req }) => verifyReportApi(ctx, req));
