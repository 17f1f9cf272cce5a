import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { removeOutboundHostApi } from "@/lib/api/endpoints";

export const dynamic = "force-dynamic";

export const DELETE = endpoint(OPS.removeOutboundHost, (ctx, { params }) => removeOutboundHostApi(ctx, params.id));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, POST, PUT, PATCH } = NOT_ALLOWED;
