import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getModelApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getModel, (ctx, { params }) => getModelApi(ctx, params.name));
