import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { acknowledgeMonitoringAlertApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.acknowledgeMonitoringAlert, (ctx, { params, body }) => acknowledgeMonitoringAlertApi(ctx, params.id, body.note));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
