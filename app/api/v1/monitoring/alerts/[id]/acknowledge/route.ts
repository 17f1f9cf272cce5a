import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { acknowledgeMonitoringAlertApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.acknowledgeMonitoringAlert, (ctx, { params, body }) => acknowledgeMonitoringAlertApi(ctx, params.id, body.note));
