import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { reportPdf } from "@/lib/reports";
import { attachmentHeaders } from "@/lib/security/headers";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.downloadReport, async (ctx, { params }) => {
  const pdf = await reportPdf(ctx, params.id);
  return new Response(Buffer.from(pdf.bytes), {
    headers: { ...attachmentHeaders(pdf.filename, "application/pdf"), "x-content-sha256": pdf.sha256, "x-report-edition": pdf.edition, "cache-control": "no-store" },
  });
});

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
