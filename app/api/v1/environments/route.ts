import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { createEnvironmentApi, listEnvironmentsApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listEnvironments, (ctx) => listEnvironmentsApi(ctx));
export const POST = endpoint(OPS.createEnvironment, (ctx, { body }) => createEnvironmentApi(ctx, body));

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
