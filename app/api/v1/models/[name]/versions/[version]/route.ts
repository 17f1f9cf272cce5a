import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getModelVersionApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getModelVersion, (ctx, { params }) => getModelVersionApi(ctx, params));
