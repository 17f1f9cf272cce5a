import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { ingestBatchApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.postMonitoringBatch, (ctx, { body }) => ingestBatchApi(ctx, body));
