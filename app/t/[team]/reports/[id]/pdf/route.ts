import { routeTeam } from "@/app/_lib/route";
import { reportPdf, type ReportEditionName } from "@/lib/reports";
import { attachmentHeaders } from "@/lib/security/headers";

/** GET ?edition=draft|approved[&inline=1]: the stored PDF of one of the team's reports (hash re-checked on read); inline opens it in the browser's viewer. */
export async function GET(req: Request, { params }: { params: Promise<{ team: string; id: string }> }) {
  return routeTeam(params, "team.read", async (ctx, p) => {
    const q = new URL(req.url).searchParams;
    const e = q.get("edition");
    const f = await reportPdf(ctx, p.id, e === "draft" || e === "approved" ? (e as ReportEditionName) : undefined);
    const file = attachmentHeaders(f.filename, "application/pdf");
    // Our own rendering (never an upload), so it may open in the browser's PDF viewer for reading.
    if (q.get("inline") === "1") file["Content-Disposition"] = file["Content-Disposition"]!.replace(/^attachment/, "inline");
    return new Response(new Uint8Array(f.bytes), {
      headers: {
        ...file,
        "Content-Length": String(f.bytes.byteLength),
        "X-Content-SHA256": f.sha256,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
