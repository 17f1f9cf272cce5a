import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { deploymentStatusApi } from "@/lib/operations/api";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getDeployments, (ctx, { query }) => deploymentStatusApi(ctx, query));
