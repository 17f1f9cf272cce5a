import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getDatasetApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getDataset, (ctx, { params }) => getDatasetApi(ctx, params.name));
