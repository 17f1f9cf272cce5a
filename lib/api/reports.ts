import type { z } from "zod";
import { db } from "../db/client";
import { AppError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import type { TeamContext } from "../teams/access";
import { createReport, getReport, listReports, verifyPdf } from "../reports";
import type { ListReportsSchema } from "../reports/schemas";
import { VerifyBodySchema, type ApiCreateReportSchema } from "./operations";
import { readJsonBody } from "./json-body";

// REST API v1 adapters for audit reports (lib/reports does the work and the checks).

const MAX_VERIFY_BYTES = 100 * 1024 * 1024;

export async function createReportApi(ctx: TeamContext, input: z.output<typeof ApiCreateReportSchema>) {
  let modelIds = input.modelIds;
  if (input.models?.length) {
    const found = await db.model.findMany({ where: { teamId: ctx.team.id, OR: input.models.map((n) => ({ name: { equals: n, mode: "insensitive" as const } })) }, select: { id: true, name: true } });
    const missing = input.models.filter((n) => !found.some((m) => m.name.toLowerCase() === n.toLowerCase()));
    if (missing.length) throw new NotFoundError(`The model "${missing[0]}"`);
    modelIds = [...new Set([...(modelIds ?? []), ...found.map((m) => m.id)])];
  }
  const created = await createReport(ctx, { title: input.title, modelIds, frameworks: input.frameworks, periodFrom: input.periodFrom, periodTo: input.periodTo });
  return getReport(ctx, created.id);
}

export async function listReportsApi(ctx: TeamContext, q: z.output<typeof ListReportsSchema>) {
  try {
    const page = await listReports(ctx, q);
    return { data: page.items, nextCursor: page.nextCursor };
  } catch (e) {
    // The cursor is the last report's id: one that names no report of the team is a bad cursor (400), as in every list.
    if (e instanceof NotFoundError && q.cursor) throw new ValidationError("The cursor is not one this API returned: pass the nextCursor of the previous page unchanged.", { cursor: "invalid cursor" });
    throw e;
  }
}

/** The PDF itself (application/pdf or octet-stream), or JSON {"sha256": "…"}. */
export async function verifyReportApi(ctx: TeamContext, req: Request) {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    const parsed = VerifyBodySchema.safeParse(await readJsonBody(req));
    if (!parsed.success) throw new ValidationError("Send the report's SHA-256 as {\"sha256\": \"<64 hex characters>\"}, or the PDF itself.", fieldErrorsFromZod(parsed.error.issues));
    return verifyPdf(ctx, { sha256: parsed.data.sha256 });
  }
  if (type !== "application/pdf" && type !== "application/octet-stream") {
    throw new ValidationError("Send the PDF with Content-Type: application/pdf, or JSON {\"sha256\": …} with Content-Type: application/json.");
  }
  if (Number(req.headers.get("content-length") ?? 0) > MAX_VERIFY_BYTES) throw new AppError("The file is larger than 100 MB; no report is that large. Send its SHA-256 instead.", 413, "too_large");
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length === 0) throw new ValidationError("The request body is empty: send the PDF file.");
  if (bytes.length > MAX_VERIFY_BYTES) throw new AppError("The file is larger than 100 MB; no report is that large. Send its SHA-256 instead.", 413, "too_large");
  return verifyPdf(ctx, { bytes });
}
