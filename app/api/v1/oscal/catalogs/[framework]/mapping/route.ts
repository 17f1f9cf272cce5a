import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getCatalogMappingApi, uploadCatalogMappingApi } from "@/lib/api/oscal";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getCatalogMapping, (ctx, { params }) => getCatalogMappingApi(ctx, params.framework));
export const POST = endpoint(OPS.uploadCatalogMapping, (ctx, { params, body }) => uploadCatalogMappingApi(ctx, params.framework, body));

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
