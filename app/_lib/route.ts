import type { Action } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { toAppError } from "@/lib/errors";
import { teamAccess } from "./team";

/** For route handlers under /t/[team]: session, team membership (404), role check, known errors as JSON. */
export async function routeTeam<P extends { team: string }>(params: Promise<P>, action: Action, run: (ctx: TeamContext, p: P) => Promise<Response>): Promise<Response> {
  const p = await params;
  try {
    const access = await teamAccess(p.team, action);
    if (!access.ok) return Response.json({ message: access.message }, { status: access.status });
    return await run(access.ctx, p);
  } catch (e) {
    const known = toAppError(e);
    if (known) return Response.json({ message: known.message }, { status: known.status });
    throw e;
  }
}
