import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { withStagedUpload } from "@/app/_components/upload-handler";
import { uploadModelVersionApi } from "@/lib/api/write";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.uploadModelVersion, (ctx, { params, req }) =>
  withStagedUpload(req, (fields, files, staging) => uploadModelVersionApi(ctx, params.name, fields, files, staging)),
);

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
