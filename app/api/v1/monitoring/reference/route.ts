import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getReference } from "@/lib/operations/monitoring";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getMonitoringReference, (ctx, { query }) => getReference(ctx, query));
