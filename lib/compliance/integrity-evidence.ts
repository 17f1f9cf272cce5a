import { db } from "../db/client";
import type { IntegrityEvidence } from "./engine-types";
import { completedKindEvidenceRows } from "./evidence-rows";
import type { TeamScope } from "../teams/context";

// E15: the completed training-data integrity scans (evaluation kind "integrity") of the given model versions,
// from the compact evidence column (the `metrics.evidence` object lib/evaluations/integrity.ts writes). Scoped
// by teamId in every query.

interface IntegrityEvidenceJson {
  samples?: number;
  suspectedMislabelShare?: number | null;
  flaggedClasses?: string[];
  liveBackdoors?: string[];
  leakageGroups?: number | null;
}

export async function loadIntegrityEvidence(scope: TeamScope, versionIds: string[]): Promise<Map<string, IntegrityEvidence[]>> {
  const teamId = scope.team.id;
  const out = new Map<string, IntegrityEvidence[]>();
  const rows = await completedKindEvidenceRows(scope, "integrity", versionIds);
  if (rows.length === 0) return out;
  const datasets = await db.datasetVersion.findMany({ where: { teamId, id: { in: [...new Set(rows.map((r) => r.datasetVersionId))] } }, select: { id: true, version: true, dataset: { select: { name: true } } } });
  const label = new Map(datasets.map((d) => [d.id, `${d.dataset.name} v${d.version}`]));
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  for (const r of rows) {
    const e = (r.evidence ?? {}) as IntegrityEvidenceJson;
    const verdict = r.verdict === "reliable" || r.verdict === "questionable" || r.verdict === "unreliable" ? r.verdict : null;
    const list = out.get(r.modelVersionId) ?? [];
    list.push({
      id: r.id, number: r.number, finishedAt: r.finishedAt ?? r.createdAt, datasetVersionId: r.datasetVersionId, datasetLabel: label.get(r.datasetVersionId) ?? "training data",
      samples: num(e.samples) ?? 0, suspectedMislabelShare: num(e.suspectedMislabelShare), flaggedClasses: e.flaggedClasses ?? [], liveBackdoors: e.liveBackdoors ?? [],
      leakageGroups: num(e.leakageGroups), verdict,
    });
    out.set(r.modelVersionId, list);
  }
  return out;
}
