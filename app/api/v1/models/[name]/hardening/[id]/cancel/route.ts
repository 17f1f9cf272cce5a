import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { cancelHardeningApi } from "@/lib/hardening/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.cancelHardeningRun, (ctx, { params }) => cancelHardeningApi(ctx, params.name, params.id));

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
