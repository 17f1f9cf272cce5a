import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getHardeningApi } from "@/lib/hardening/api";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getHardeningRun, (ctx, { params }) => getHardeningApi(ctx, params.name, params.id));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
