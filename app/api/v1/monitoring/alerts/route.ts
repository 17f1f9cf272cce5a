import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { listMonitoringAlertsApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listMonitoringAlerts, (ctx, { query }) => listMonitoringAlertsApi(ctx, query));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
