import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { overrideApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.createGateOverride, (ctx, { body }) => overrideApi(ctx, body));
