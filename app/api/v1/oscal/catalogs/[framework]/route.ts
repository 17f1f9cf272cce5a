import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { oscalResponse } from "@/app/_lib/oscal";
import { OPS } from "@/lib/api/operations";
import { deleteCatalogApi, oscalCatalogApi } from "@/lib/api/oscal";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getOscalCatalog, async (ctx, { params }) => oscalResponse(await oscalCatalogApi(ctx, params.framework)));

export const DELETE = endpoint(OPS.deleteTeamCatalog, (ctx, { params, query }) => deleteCatalogApi(ctx, params.framework, query));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH } = NOT_ALLOWED;
