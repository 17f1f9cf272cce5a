import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { registerEndpointApi } from "@/lib/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.registerEndpointVersion, (ctx, { params, body }) => registerEndpointApi(ctx, params.name, body));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
