import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { gateApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getGate, (ctx, { query }) => gateApi(ctx, query));
