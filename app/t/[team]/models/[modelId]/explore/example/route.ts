import { routeTeam } from "@/app/_lib/route";
import { ExplorerExampleQuery, getExplorerExample } from "@/lib/evaluations/explore";

export const dynamic = "force-dynamic";

/** GET ?version=&dataset=&index=: one example of a team's dataset version, with its stored record, for the Explore view. */
export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  // Any member may read it: the same permission as the model and dataset file downloads.
  return routeTeam(params, "team.read", async (ctx) => {
    const parsed = ExplorerExampleQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!parsed.success) return Response.json({ message: parsed.error.issues.map((i) => i.message).join("; ") }, { status: 422 });
    return Response.json(await getExplorerExample(ctx, parsed.data), { headers: { "Cache-Control": "private, no-store" } });
  });
}
