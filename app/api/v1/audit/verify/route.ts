import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { auditVerifyApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.verifyAudit, (ctx) => auditVerifyApi(ctx));
