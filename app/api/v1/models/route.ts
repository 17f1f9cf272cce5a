import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { listModelsApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listModels, (ctx, { query }) => listModelsApi(ctx, query));
