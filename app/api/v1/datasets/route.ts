import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { listDatasetsApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listDatasets, (ctx, { query }) => listDatasetsApi(ctx, query));
