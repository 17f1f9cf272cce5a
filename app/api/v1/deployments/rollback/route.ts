import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { rollbackApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.rollbackDeployment, (ctx, { body }) => rollbackApi(ctx, body));
