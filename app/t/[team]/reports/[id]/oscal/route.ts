import { routeTeam } from "@/app/_lib/route";
import { oscalResponse } from "@/app/_lib/oscal";
import { exportReportResults } from "@/lib/compliance/oscal";

/** GET: OSCAL assessment results of one of the team's reports, from its frozen snapshot. */
export async function GET(_req: Request, { params }: { params: Promise<{ team: string; id: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => oscalResponse(await exportReportResults(ctx, p.id)));
}
