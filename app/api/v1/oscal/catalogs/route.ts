import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { importCatalogApi, listCatalogsApi } from "@/lib/api/oscal";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listTeamCatalogs, (ctx) => listCatalogsApi(ctx));
export const POST = endpoint(OPS.importTeamCatalog, (ctx, { req }) => importCatalogApi(ctx, req));

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
