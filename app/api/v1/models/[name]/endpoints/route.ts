import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { registerEndpointApi } from "@/lib/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.registerEndpointVersion, (ctx, { params, body }) => registerEndpointApi(ctx, params.name, body));
