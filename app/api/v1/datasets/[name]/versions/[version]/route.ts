import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getDatasetVersionApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getDatasetVersion, (ctx, { params }) => getDatasetVersionApi(ctx, params));
