import { db } from "../db/client";
import { NotFoundError, ValidationError } from "../errors";
import type { TeamContext } from "../teams/access";
import { decodeCursor, pageOf, type PageQuery } from "../api/pagination";
import { allSuspects, type SuspectRow } from "./integrity-reading";
import type { IntegrityMetrics } from "./integrity-types";

// The suspected planted examples of one completed integrity scan of the caller's team: all of them (for the
// CSV export), or a page (the API's cursor pages; the results page's numbered pages).

export async function integritySuspects(ctx: TeamContext, number: number): Promise<{ number: number; rows: SuspectRow[]; metrics: IntegrityMetrics }> {
  if (!Number.isSafeInteger(number) || number < 1) throw new NotFoundError("This evaluation");
  const ev = await db.evaluation.findFirst({ where: { teamId: ctx.team.id, number }, select: { number: true, kind: true, status: true, metrics: true } });
  if (!ev) throw new NotFoundError("This evaluation");
  if (ev.kind !== "integrity") throw new ValidationError(`Evaluation #${number} is a ${ev.kind} evaluation; suspected planted examples come from integrity scans.`);
  if (ev.status !== "COMPLETED" || !ev.metrics) throw new ValidationError(`Evaluation #${number} is ${ev.status.toLowerCase()}; its suspected examples exist once it has completed.`);
  const metrics = ev.metrics as unknown as IntegrityMetrics;
  return { number: ev.number, rows: allSuspects(metrics), metrics };
}

/** A cursor page of them (the cursor holds the last rank returned). */
export async function integritySuspectsPage(ctx: TeamContext, number: number, q: PageQuery) {
  const { rows } = await integritySuspects(ctx, number);
  const after = decodeCursor(q.cursor);
  const start = after ? Number(after.k) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ValidationError("The cursor is not one this API returned: pass the nextCursor of the previous page unchanged.", { cursor: "invalid cursor" });
  const page = pageOf(rows.slice(start, start + q.limit + 1), q.limit, (r) => ({ k: r.rank, id: String(r.datasetIndex) }));
  return { total: rows.length, data: page.data, nextCursor: page.nextCursor };
}
