import type { Prisma } from "../db/generated/client";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamScope } from "../teams/context";
import { decodeCursor, pageOf, type PageQuery } from "../api/pagination";
import type { HardeningEstimate } from "./create";
import type { RunCost } from "./run";
import type { HardeningParams } from "../engine/training/harden-params";

// Reading hardening runs (pages and REST API alike): status, progress, estimate, measured cost and lineage.

/** What the worker measured (lib/hardening/run.ts); partial while the run is under way (wall time so far, attempts). */
export type HardeningCost = Partial<RunCost>;

export interface HardeningRunView {
  id: string;
  status: "queued" | "running" | "completed" | "failed" | "cancelled";
  model: { id: string; name: string };
  /** Lineage: the version hardened, the training data, and the version the run registered (null until it has). */
  parentVersion: { id: string; version: number };
  datasetVersion: { id: string; name: string; version: number };
  hardenedVersion: { id: string; version: number } | null;
  /** The hardened version's evaluations (the re-evaluations the run queued first), oldest first. */
  evaluations: { number: number; status: "queued" | "running" | "aggregating" | "completed" | "failed" | "cancelled" }[];
  trainCount: number;
  params: HardeningParams;
  progress: { epoch: number; epochs: number; examplesDone: number; examplesPerEpoch: number };
  estimate: HardeningEstimate;
  cost: HardeningCost | null;
  error: string | null;
  cancelRequested: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type Row = Prisma.HardeningRunGetPayload<object>;

/** Views of the rows, with the names and numbers of the versions they link (looked up in the rows' team). */
async function views(teamId: string, rows: Row[]): Promise<HardeningRunView[]> {
  const versionIds = [...new Set(rows.flatMap((r) => [r.parentVersionId, ...(r.resultVersionId ? [r.resultVersionId] : [])]))];
  const versions = new Map((await db.modelVersion.findMany({ where: { teamId, id: { in: versionIds } }, select: { id: true, version: true, model: { select: { id: true, name: true } } } })).map((v) => [v.id, v]));
  const resultIds = rows.flatMap((r) => (r.resultVersionId ? [r.resultVersionId] : []));
  const evaluations = resultIds.length ? await db.evaluation.findMany({ where: { teamId, modelVersionId: { in: resultIds } }, orderBy: { number: "asc" }, select: { number: true, status: true, modelVersionId: true } }) : [];
  const datasets = new Map((await db.datasetVersion.findMany({ where: { teamId, id: { in: [...new Set(rows.map((r) => r.datasetVersionId))] } }, select: { id: true, version: true, dataset: { select: { name: true } } } })).map((d) => [d.id, d]));
  return rows.map((r) => {
    const params = r.params as unknown as HardeningParams;
    const held = Math.floor(r.trainCount * (params.validationShare ?? 0));
    const parent = versions.get(r.parentVersionId);
    const result = r.resultVersionId ? versions.get(r.resultVersionId) : undefined;
    const dv = datasets.get(r.datasetVersionId);
    return {
      id: r.id,
      status: r.status.toLowerCase() as HardeningRunView["status"],
      model: { id: r.modelId, name: parent?.model.name ?? "(deleted model)" },
      // A deleted version or dataset keeps its id here; its number reads 0.
      parentVersion: { id: r.parentVersionId, version: parent?.version ?? 0 },
      datasetVersion: { id: r.datasetVersionId, name: dv?.dataset.name ?? "(deleted dataset)", version: dv?.version ?? 0 },
      hardenedVersion: r.resultVersionId ? { id: r.resultVersionId, version: result?.version ?? 0 } : null,
      evaluations: evaluations.filter((e) => e.modelVersionId === r.resultVersionId).map((e) => ({ number: e.number, status: e.status.toLowerCase() as HardeningRunView["evaluations"][number]["status"] })),
      trainCount: r.trainCount,
      params,
      progress: { epoch: r.epochsDone, epochs: params.epochs, examplesDone: r.examplesDone, examplesPerEpoch: r.trainCount - held },
      estimate: r.estimate as unknown as HardeningEstimate,
      cost: (r.cost as HardeningCost | null) ?? null,
      error: r.error,
      cancelRequested: r.cancelRequested,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    };
  });
}

/** The team's hardening runs, newest first, a page at a time; of one model when modelId is given. */
export async function listHardeningRuns(scope: TeamScope, q: PageQuery & { modelId?: string }): Promise<{ data: HardeningRunView[]; nextCursor: string | null }> {
  const after = decodeCursor(q.cursor);
  const rows = await db.hardeningRun.findMany({
    where: {
      teamId: scope.team.id,
      ...(q.modelId ? { modelId: q.modelId } : {}),
      ...(after ? { OR: [{ createdAt: { lt: new Date(String(after.k)) } }, { createdAt: new Date(String(after.k)), id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
  });
  const page = pageOf(rows, q.limit, (r) => ({ k: r.createdAt.toISOString(), id: r.id }));
  return { data: await views(scope.team.id, page.data), nextCursor: page.nextCursor };
}

/** One run of the team (of one model when modelId is given); anything else is "not found". */
export async function getHardeningRun(scope: TeamScope, runId: string, modelId?: string): Promise<HardeningRunView> {
  const r = await db.hardeningRun.findFirst({ where: { id: runId, teamId: scope.team.id, ...(modelId ? { modelId } : {}) } });
  if (!r) throw new NotFoundError("This hardening run");
  return (await views(scope.team.id, [r]))[0]!;
}

/** A version's lineage: the run that registered it, or null for a version not made by hardening. */
export async function versionLineage(scope: TeamScope, versionId: string): Promise<HardeningRunView | null> {
  const version = await db.modelVersion.findFirst({ where: { id: versionId, teamId: scope.team.id }, select: { id: true } });
  if (!version) throw new NotFoundError("This model version");
  const r = await db.hardeningRun.findFirst({ where: { teamId: scope.team.id, resultVersionId: versionId } });
  return r ? (await views(scope.team.id, [r]))[0]! : null;
}
