import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { listMonitoringAlertsApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listMonitoringAlerts, (ctx, { query }) => listMonitoringAlertsApi(ctx, query));
