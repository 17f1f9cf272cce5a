import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { testConnectionApi } from "@/lib/api/endpoints";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.testEndpointConnection, (ctx, { params, body }) => testConnectionApi(ctx, params, body));
