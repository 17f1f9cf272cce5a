import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { listAlertsApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listAlerts, (ctx, { query }) => listAlertsApi(ctx, query));
