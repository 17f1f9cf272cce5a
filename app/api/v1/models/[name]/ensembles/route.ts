import { creating, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { createEnsembleVersionApi } from "@/lib/api/write";

export const dynamic = "force-dynamic";

/** Register an ensemble of stored versions of this team as a new version of the model. 201 with the version. */
export const POST = creating(OPS.createEnsembleVersion, (ctx, { params, body }) => createEnsembleVersionApi(ctx, params.name, body), (v) => `/api/v1/models/${encodeURIComponent(v.model.name)}/versions/${v.version}`);

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
