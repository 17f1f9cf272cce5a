import { routeTeam } from "@/app/_lib/route";
import { countUnreadNotifications } from "@/lib/teams/notifications";

// The sidebar's notice badge asks this after each navigation (the team layout is not re-rendered then).
export function GET(_req: Request, { params }: { params: Promise<{ team: string }> }) {
  return routeTeam(params, "team.read", async (ctx) => Response.json({ unread: await countUnreadNotifications(ctx) }, { headers: { "cache-control": "no-store" } }));
}
