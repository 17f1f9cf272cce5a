import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { rollbackCatalogApi } from "@/lib/api/oscal";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.rollbackTeamCatalog, (ctx, { params, body }) => rollbackCatalogApi(ctx, params.framework, body));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
