import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { promoteApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.promoteDeployment, (ctx, { body }) => promoteApi(ctx, body));
