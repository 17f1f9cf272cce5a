import { teamAccess } from "@/app/_lib/team";
import { readAttestationFile } from "@/lib/compliance/attestations";
import { toAppError } from "@/lib/errors";
import { attachmentHeaders } from "@/lib/security/headers";

/** Downloads a file attached to an attestation (team members only; digest checked on read). */
export async function GET(_req: Request, { params }: { params: Promise<{ team: string; fileId: string }> }) {
  const { team, fileId } = await params;
  try {
    const access = await teamAccess(team);
    if (!access.ok) return new Response(access.message, { status: access.status });
    const { ctx } = access;
    const f = await readAttestationFile(ctx, fileId);
    return new Response(new Uint8Array(f.bytes), {
      headers: {
        ...attachmentHeaders(f.name),
        "x-content-sha256": f.sha256,
      },
    });
  } catch (e) {
    const known = toAppError(e);
    if (known) return new Response(known.message, { status: known.status });
    throw e;
  }
}
