import { apiRoute } from "@/app/_lib/api";
import { evaluationForApi } from "@/lib/evaluations/api-view";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ number: string }> }) {
  return apiRoute(req, "team.read", async (ctx) => Response.json(await evaluationForApi(ctx, Number((await params).number))));
}
