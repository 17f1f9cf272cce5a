import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getModelApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getModel, (ctx, { params }) => getModelApi(ctx, params.name));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
