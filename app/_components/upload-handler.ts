import type { Action } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { AppError, toAppError } from "@/lib/errors";
import { teamAccess } from "@/app/_lib/team";
import { uploadLimits, formatBytes } from "@/lib/registry/limits";
import { Staging, type StagedFile } from "@/lib/registry/staging";
import { boundaryOf, readMultipart } from "@/lib/registry/multipart";
import { assertNoControlCharacters } from "@/lib/security/control-chars";

// Route handlers for registry uploads (model and dataset versions): multipart form posted by the
// upload forms with XMLHttpRequest (for progress) and, later, by scripts. JSON in every answer.

export interface UploadAnswer {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
  redirect?: string;
  warnings?: string[];
}

const json = (status: number, body: UploadAnswer) => Response.json(body, { status, headers: { "Cache-Control": "no-store" } });

export async function handleRegistryUpload(
  req: Request,
  teamSlug: string,
  action: Action,
  run: (ctx: TeamContext, fields: Record<string, string>, files: StagedFile[], staging: Staging) => Promise<UploadAnswer>,
): Promise<Response> {
  // A cross-site form post would carry another Origin: refuse it.
  const origin = req.headers.get("origin");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (origin && host && new URL(origin).host !== host) return json(403, { ok: false, message: "Uploads are only accepted from Bulwark's own pages." });
  const access = await teamAccess(teamSlug, action);
  if (!access.ok && access.status === 403) return json(403, { ok: false, message: "Your role in this team does not allow uploads: engineers and admins upload and edit, reviewers and auditors read." });
  if (!access.ok) return json(access.status, { ok: false, message: access.message });
  const { ctx } = access;
  try {
    const answer = await withStagedUpload(req, (fields, files, staging) => run(ctx, fields, files, staging));
    return json(answer.ok ? 200 : 400, answer);
  } catch (e) {
    const known = toAppError(e);
    if (known) return json(known.status, { ok: false, message: known.message, fieldErrors: known.fieldErrors });
    console.error(e);
    return json(500, { ok: false, message: "Something went wrong on our side; nothing was stored. Try again." });
  }
}

/**
 * Reads an upload's body (web form or REST API): size checked before reading, multipart streamed to a
 * staging folder that is always removed afterwards. Bad uploads throw an AppError naming the problem.
 */
export async function withStagedUpload<T>(req: Request, run: (fields: Record<string, string>, files: StagedFile[], staging: Staging) => Promise<T>): Promise<T> {
  const limits = uploadLimits();
  const declared = Number(req.headers.get("content-length") ?? "0");
  // Refused before reading the body; 1 MB covers the form fields and multipart framing.
  if (declared > limits.maxTotalBytes + 1024 * 1024) {
    throw new AppError(`The upload is ${formatBytes(declared)}, above the limit of ${formatBytes(limits.maxTotalBytes)} per version.`, 413, "too_large", { files: `Larger than ${formatBytes(limits.maxTotalBytes)}` });
  }
  const boundary = boundaryOf(req.headers.get("content-type"));
  if (!boundary || !req.body) throw new AppError("The upload could not be read: expected a multipart/form-data body with the files.", 400, "invalid_upload");
  const staging = await Staging.create(limits.maxTotalBytes);
  try {
    // Streamed to the staging folder part by part: large files never sit in memory.
    const { fields, files } = await readMultipart(req.body as unknown as AsyncIterable<Uint8Array>, boundary, staging);
    assertNoControlCharacters(fields, "A form field of the upload is invalid");
    return await run(fields, files, staging);
  } finally {
    await staging.dispose();
  }
}
