import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getReport } from "@/lib/reports";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getReport, (ctx, { params }) => getReport(ctx, params.id));
