import { routeTeam } from "@/app/_lib/route";
import { oscalResponse } from "@/app/_lib/oscal";
import { exportPostureResults } from "@/lib/compliance/oscal";

/** GET [?model=<model id>]: OSCAL assessment results of the team's (or one model's) posture now. */
export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  return routeTeam(params, "team.read", async (ctx) => {
    const model = new URL(req.url).searchParams.get("model");
    return oscalResponse(await exportPostureResults(ctx, { modelId: model ? model.slice(0, 40) : undefined }));
  });
}
