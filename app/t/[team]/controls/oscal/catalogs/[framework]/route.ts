import { routeTeam } from "@/app/_lib/route";
import { oscalResponse } from "@/app/_lib/oscal";
import { exportFrameworkCatalog } from "@/lib/compliance/oscal";

/** GET: a framework as an OSCAL catalog. */
export async function GET(_req: Request, { params }: { params: Promise<{ team: string; framework: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => oscalResponse(await exportFrameworkCatalog(ctx, p.framework)));
}
