import { z } from "zod";
import { db } from "../db/client";
import { AppError, NotFoundError, ValidationError } from "../errors";
import { deleteTeamCatalog, importTeamCatalog, listTeamCatalogs, rollbackTeamCatalog, type TeamCatalogVersion } from "../compliance/team-catalogs";
import { exportCatalogMapping, importCatalogMapping } from "../compliance/catalog-mapping";
import { MAX_CATALOG_BYTES } from "../compliance/oscal/catalog";
import { FrameworkListSchema } from "../compliance/catalog";
import { exportComponentDefinition, exportFrameworkCatalog, exportPostureResults, exportReportResults, type OscalDocument } from "../compliance/oscal";
import type { TeamContext } from "../teams/access";
import { nameString } from "../security/control-chars";
import { resolveModelVersion, type VersionRef } from "./refs";

// REST API v1 for OSCAL: thin adapters to lib/compliance/oscal (the same exports the download buttons give).

export const OscalResultsQuerySchema = z.object({
  model: nameString(80).optional().describe("A model's name: its posture only (default: every model of the team)."),
  frameworks: FrameworkListSchema
    .describe("Comma-separated framework ids, bundled or the team's own (custom-…) (default: every framework with assessable controls)."),
});

export const OSCAL_MEDIA_TYPE = "application/json";

export async function oscalPostureApi(ctx: TeamContext, q: z.output<typeof OscalResultsQuerySchema>): Promise<OscalDocument> {
  let modelId: string | undefined;
  if (q.model) {
    const m = await db.model.findFirst({ where: { teamId: ctx.team.id, name: { equals: q.model, mode: "insensitive" } }, select: { id: true } });
    if (!m) throw new NotFoundError(`The model "${q.model}"`);
    modelId = m.id;
  }
  return exportPostureResults(ctx, { modelId, frameworks: q.frameworks });
}

export const oscalReportApi = (ctx: TeamContext, id: string) => exportReportResults(ctx, id);

export async function oscalComponentApi(ctx: TeamContext, ref: VersionRef): Promise<OscalDocument> {
  const { version } = await resolveModelVersion(ctx, ref);
  return exportComponentDefinition(ctx, version.id);
}

export const oscalCatalogApi = (ctx: TeamContext, framework: string) => exportFrameworkCatalog(ctx, framework);

// ---- A team's own catalogs -------------------------------------------------------------------------

export const IMPORT_CATALOG_FIELDS = {
  file: "The OSCAL 1.0.6 Catalog as a JSON file (at most 5 MB and 2,000 controls).",
  framework: "Optional: custom-<slug> to upload a new version of that catalog; absent: derived from the catalog's title.",
  shortName: "Optional: the name shown in lists and charts (at most 40 characters); absent: the catalog's title.",
};

const catalogView = (c: TeamCatalogVersion) => ({
  framework: c.frameworkId, version: c.version, current: c.current, title: c.title, shortName: c.shortName, catalogVersion: c.catalogVersion,
  controls: c.controlCount, sha256: c.sha256, uploadedBy: c.createdByLabel, uploadedAt: c.createdAt, restoredFrom: c.restoredFrom,
});

/** multipart/form-data with the catalog file: the form is read only when its declared size is within the limit. */
export async function importCatalogApi(ctx: TeamContext, req: Request) {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_CATALOG_BYTES + 64 * 1024) throw new AppError(`The upload is larger than the ${MAX_CATALOG_BYTES / 1024 / 1024} MB a catalog may have.`, 413, "too_large");
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new ValidationError("Send the catalog as multipart/form-data with the JSON file in the field \"file\".", { file: "missing" });
  }
  const file = form.get("file");
  if (!(file instanceof Blob)) throw new ValidationError("Attach the catalog's JSON file in the field \"file\".", { file: "missing" });
  if (file.size > MAX_CATALOG_BYTES) throw new AppError(`The catalog file is larger than ${MAX_CATALOG_BYTES / 1024 / 1024} MB.`, 413, "too_large");
  const text = (v: FormDataEntryValue | null) => (typeof v === "string" ? v : undefined);
  const c = await importTeamCatalog(ctx, { json: await file.text(), framework: text(form.get("framework")), shortName: text(form.get("shortName")) });
  return catalogView(c);
}

export async function listCatalogsApi(ctx: TeamContext) {
  return { catalogs: (await listTeamCatalogs(ctx)).map(catalogView) };
}

export const getCatalogMappingApi = (ctx: TeamContext, framework: string) => exportCatalogMapping(ctx, framework);
export const uploadCatalogMappingApi = (ctx: TeamContext, framework: string, file: unknown) => importCatalogMapping(ctx, framework, file);

export const RollbackCatalogBodySchema = z.object({
  version: z.number().int().positive().describe("The earlier version whose content becomes the assessed one again (stored as the next version)."),
  reason: z.string().trim().min(5).max(1000).describe("Why: kept in the audit log."),
});
export async function rollbackCatalogApi(ctx: TeamContext, framework: string, body: z.output<typeof RollbackCatalogBodySchema>) {
  return catalogView(await rollbackTeamCatalog(ctx, { framework, ...body }));
}

export const DeleteCatalogQuerySchema = z.object({ reason: z.string().trim().min(5).max(1000).describe("Why the catalog is deleted: kept in the audit log.") });
export const deleteCatalogApi = (ctx: TeamContext, framework: string, q: z.output<typeof DeleteCatalogQuerySchema>) => deleteTeamCatalog(ctx, { framework, reason: q.reason });
