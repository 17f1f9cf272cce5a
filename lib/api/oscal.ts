import { z } from "zod";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import { FRAMEWORK_IDS, type FrameworkId } from "../compliance/catalog";
import { exportComponentDefinition, exportFrameworkCatalog, exportPostureResults, exportReportResults, type OscalDocument } from "../compliance/oscal";
import type { TeamContext } from "../teams/access";
import { nameString } from "../security/control-chars";
import { resolveModelVersion, type VersionRef } from "./refs";

// REST API v1 for OSCAL: thin adapters to lib/compliance/oscal (the same exports the download buttons give).

export const OscalResultsQuerySchema = z.object({
  model: nameString(80).optional().describe("A model's name: its posture only (default: every model of the team)."),
  frameworks: z.string().max(500).optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const list = [...new Set(v.split(",").map((x) => x.trim()).filter(Boolean))];
      const unknown = list.filter((x) => !(FRAMEWORK_IDS as readonly string[]).includes(x));
      if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown framework ${unknown.map((x) => `"${x.slice(0, 40)}"`).join(", ")}; one of ${FRAMEWORK_IDS.join(", ")}` });
      return list as FrameworkId[];
    })
    .describe("Comma-separated framework ids (default: every framework with assessable controls)."),
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
