import { routeTeam } from "@/app/_lib/route";
import { exportCatalogMapping } from "@/lib/compliance/catalog-mapping";
import { attachmentHeaders } from "@/lib/security/headers";

/** GET: the evidence mapping of one of the team's own catalogs, as the JSON file an upload takes back. */
export async function GET(_req: Request, { params }: { params: Promise<{ team: string; framework: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => {
    const m = await exportCatalogMapping(ctx, p.framework);
    return new Response(`${JSON.stringify(m, null, 2)}\n`, { headers: { ...attachmentHeaders(`${m.framework}-v${m.catalogVersion}-mapping.json`, "application/json"), "Cache-Control": "private, no-store" } });
  });
}
