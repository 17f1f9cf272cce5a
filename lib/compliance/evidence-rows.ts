import { db } from "../db/client";
import type { TeamScope } from "../teams/context";

export interface KindEvidenceRow {
  id: string;
  number: number;
  kind: string;
  finishedAt: Date | null;
  createdAt: Date;
  modelVersionId: string;
  datasetVersionId: string;
  verdict: string | null;
  /** metrics.evidence as the kind wrote it (lib/evaluations/kinds.ts); null for rows without one. */
  evidence: unknown;
}

/**
 * The completed evaluations of one kind (privacy, integrity) of the given model versions, from the compact
 * evidence column (function bulwark_evaluation_evidence_of): each kind's aggregation writes its own small
 * `metrics.evidence` object and the column carries only that.
 */
export async function completedKindEvidenceRows(scope: TeamScope, kind: string, versionIds: string[]): Promise<KindEvidenceRow[]> {
  const teamId = scope.team.id;
  if (versionIds.length === 0 || kind === "robustness") return [];
  return db.$queryRaw<KindEvidenceRow[]>`
    SELECT e.id, e.number, e.kind, e."finishedAt", e."createdAt", e."modelVersionId", e."datasetVersionId", e.verdict,
      x.ev->'metrics'->'evidence' AS evidence
    FROM "Evaluation" e
    CROSS JOIN LATERAL (SELECT COALESCE(e.evidence, bulwark_evaluation_evidence_of(e.kind, e.suite, e.metrics, e.reliability, e.provenance)) AS ev) x
    WHERE e."teamId" = ${teamId} AND e.status = 'COMPLETED' AND e.kind = ${kind} AND e."modelVersionId" = ANY(${versionIds})`;
}
