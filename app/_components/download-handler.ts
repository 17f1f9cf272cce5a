import { Readable } from "node:stream";
import { teamAccess } from "@/app/_lib/team";
import { NotFoundError } from "@/lib/errors";
import { openVersionFile } from "@/lib/registry/download";
import { attachmentHeaders } from "@/lib/security/headers";

/** GET ?version=<versionId>&path=<file path>: streams a stored file of the team's version. */
export async function handleVersionFileDownload(req: Request, teamSlug: string, kind: "model" | "dataset"): Promise<Response> {
  const url = new URL(req.url);
  const versionId = url.searchParams.get("version") ?? "";
  const path = url.searchParams.get("path") ?? "";
  try {
    const access = await teamAccess(teamSlug);
    if (!access.ok) return new Response(access.message, { status: access.status });
    const f = await openVersionFile(access.ctx, kind, versionId, path);
    return new Response(Readable.toWeb(f.stream) as ReadableStream, {
      headers: {
        ...attachmentHeaders(f.filename),
        "Content-Length": String(f.size),
        "X-Content-SHA256": f.sha256,
        "Cache-Control": "private, max-age=31536000, immutable",
      },
    });
  } catch (e) {
    if (e instanceof NotFoundError) return new Response("Not found.", { status: 404 });
    throw e;
  }
}
