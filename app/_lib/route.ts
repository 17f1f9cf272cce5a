import { getSessionUser } from "@/lib/auth/session";
import { can, type Action } from "@/lib/auth/permissions";
import { getTeamContext, type TeamContext } from "@/lib/teams/access";
import { toAppError } from "@/lib/errors";

/** For route handlers under /t/[team]: session, team membership (404), role check, known errors as JSON. */
export async function routeTeam<P extends { team: string }>(params: Promise<P>, action: Action, run: (ctx: TeamContext, p: P) => Promise<Response>): Promise<Response> {
  const p = await params;
  const user = await getSessionUser();
  if (!user) return Response.json({ message: "Sign in first." }, { status: 401 });
  try {
    const ctx = await getTeamContext(user, p.team);
    if (!can(ctx.role, action)) return Response.json({ message: "Your role in this team does not allow this." }, { status: 403 });
    return await run(ctx, p);
  } catch (e) {
    const known = toAppError(e);
    if (known) return Response.json({ message: known.message }, { status: known.status });
    throw e;
  }
}
