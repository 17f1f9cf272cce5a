import { routeTeam } from "@/app/_lib/route";
import { AuditQuerySchema, exportAuditLog } from "@/lib/audit/query";

/**
 * GET ?format=jsonl|csv&<the audit page's filters>: the filtered log as a file, for every role that can
 * read it. JSON Lines is what `npm run audit:verify -- file.jsonl` checks offline (docs/audit.md).
 */
export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  return routeTeam(params, "audit.read", async (ctx) => {
    const q = new URL(req.url).searchParams;
    const format = q.get("format");
    if (format !== "jsonl" && format !== "csv") return Response.json({ message: "Choose format=jsonl or format=csv." }, { status: 400 });
    const parsed = AuditQuerySchema.safeParse(Object.fromEntries(q));
    if (!parsed.success) return Response.json({ message: parsed.error.issues[0]?.message ?? "The filters are invalid." }, { status: 400 });
    const f = await exportAuditLog(ctx, parsed.data, format);
    return new Response(f.body, {
      headers: {
        "Content-Type": f.contentType,
        "Content-Disposition": `attachment; filename="${f.filename}"`,
        "X-Content-Type-Options": "nosniff",
        "X-Audit-Events": String(f.events),
        ...(f.chainHead ? { "X-Audit-Chain-Head": f.chainHead } : {}),
        "Cache-Control": "private, no-store",
      },
    });
  });
}
