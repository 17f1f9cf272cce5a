import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { addOutboundHostApi, listOutboundHostsApi } from "@/lib/api/endpoints";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listOutboundHosts, (ctx) => listOutboundHostsApi(ctx));
export const POST = endpoint(OPS.addOutboundHost, (ctx, { body }) => addOutboundHostApi(ctx, body));

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
