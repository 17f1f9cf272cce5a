import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { oscalResponse } from "@/app/_lib/oscal";
import { OPS } from "@/lib/api/operations";
import { oscalCatalogApi } from "@/lib/api/oscal";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getOscalCatalog, async (ctx, { params }) => oscalResponse(await oscalCatalogApi(ctx, params.framework)));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
