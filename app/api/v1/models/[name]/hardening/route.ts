import { creating, endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { createHardeningApi, listHardeningApi } from "@/lib/hardening/api";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listHardeningRuns, (ctx, { params, query }) => listHardeningApi(ctx, params.name, query));

/** Queue a hardening run of a version of this model. 202 with the run and its cost estimate. */
export const POST = creating(OPS.createHardeningRun, (ctx, { params, body }) => createHardeningApi(ctx, params.name, body), (run) => `/api/v1/models/${encodeURIComponent(run.model.name)}/hardening/${run.id}`);

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
