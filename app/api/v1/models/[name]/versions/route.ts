import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { withStagedUpload } from "@/app/_components/upload-handler";
import { uploadModelVersionApi } from "@/lib/api/write";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.uploadModelVersion, (ctx, { params, req }) =>
  withStagedUpload(req, (fields, files, staging) => uploadModelVersionApi(ctx, params.name, fields, files, staging)),
);
