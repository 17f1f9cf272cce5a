import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { controlsApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getControls, (ctx, { query }) => controlsApi(ctx, query));
