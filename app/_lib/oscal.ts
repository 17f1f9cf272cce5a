import type { OscalDocument } from "@/lib/compliance/oscal";
import { attachmentHeaders } from "@/lib/security/headers";

/** An OSCAL document as a download: its bytes, their SHA-256 and, for assessment results, the snapshot's. */
export function oscalResponse(doc: OscalDocument): Response {
  return new Response(doc.json, {
    headers: {
      ...attachmentHeaders(doc.filename, "application/json"),
      "X-Content-SHA256": doc.sha256,
      ...(doc.snapshotSha256 ? { "X-Snapshot-SHA256": doc.snapshotSha256 } : {}),
      "Cache-Control": "private, no-store",
    },
  });
}
