import { db } from "../db/client";
import { canonicalJson } from "../audit/chain";

// Which earlier evaluation a finished robustness evaluation is compared with for regressions. Only one on the
// same dataset version, examples, preset and attacks is comparable (anything else differs by sampling or by
// suite). A version a hardening run made is compared with its lineage parent — the version it was fine-tuned
// from — not with whichever version happened to be evaluated last: the question is what hardening changed.

export interface BaselineOf {
  id: string;
  teamId: string;
  modelId: string;
  modelVersionId: string;
  datasetVersionId: string;
  preset: string;
  sampleIndices: number[];
}

export interface Baseline {
  evaluation: { id: string; number: number; metrics: unknown };
  /** Set when the baseline is the hardened version's parent: its version number. */
  lineageParent: { version: number } | null;
}

/** The same attacks whatever the key order (PostgreSQL's jsonb reorders an object's keys). */
const sameAttacks = (suite: unknown, attacks: unknown) => canonicalJson((suite as { attacks?: unknown } | null)?.attacks ?? null) === canonicalJson(attacks ?? null);

/** The newest comparable evaluation of the parent for a hardened version, else of the model; null: none. */
export async function regressionBaseline(ev: BaselineOf, attacks: unknown): Promise<Baseline | null> {
  const { teamId } = ev;
  const basis = { teamId, kind: "robustness", datasetVersionId: ev.datasetVersionId, preset: ev.preset, sampleIndices: { equals: ev.sampleIndices }, status: "COMPLETED" as const, id: { not: ev.id }, finishedAt: { not: null } };
  const select = { id: true, number: true, metrics: true, suite: true };
  const run = await db.hardeningRun.findFirst({ where: { teamId, resultVersionId: ev.modelVersionId }, select: { parentVersionId: true } });
  if (run) {
    const parent = await db.modelVersion.findFirst({ where: { id: run.parentVersionId, teamId }, select: { version: true } });
    const ofParent = parent ? await db.evaluation.findMany({ where: { ...basis, modelVersionId: run.parentVersionId }, orderBy: { finishedAt: "desc" }, take: 20, select }) : [];
    const match = ofParent.find((e) => e.metrics && sameAttacks(e.suite, attacks));
    if (match && parent) return { evaluation: match, lineageParent: { version: parent.version } };
  }
  // Any other version, or a parent with no evaluation on this basis: the model's newest one on it.
  const previous = await db.evaluation.findFirst({ where: { ...basis, modelId: ev.modelId }, orderBy: { finishedAt: "desc" }, select });
  return previous && previous.metrics && sameAttacks(previous.suite, attacks) ? { evaluation: previous, lineageParent: null } : null;
}
