import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { testConnectionApi } from "@/lib/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.testEndpointConnection, (ctx, { params, body }) => testConnectionApi(ctx, params, body));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
