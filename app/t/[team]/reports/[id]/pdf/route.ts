import { routeTeam } from "@/app/_lib/route";
import { reportPdf, type ReportEditionName } from "@/lib/reports";
import { attachmentHeaders } from "@/lib/security/headers";

/** GET ?edition=draft|approved: the stored PDF of one of the team's reports (hash re-checked on read). */
export async function GET(req: Request, { params }: { params: Promise<{ team: string; id: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => {
    const e = new URL(req.url).searchParams.get("edition");
    const f = await reportPdf(ctx, p.id, e === "draft" || e === "approved" ? (e as ReportEditionName) : undefined);
    return new Response(new Uint8Array(f.bytes), {
      headers: {
        ...attachmentHeaders(f.filename, "application/pdf"),
        "Content-Length": String(f.bytes.byteLength),
        "X-Content-SHA256": f.sha256,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
