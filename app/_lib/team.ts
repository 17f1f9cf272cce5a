import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { getTeamContext, type TeamContext } from "@/lib/teams/access";
import { NotFoundError } from "@/lib/errors";

/** For pages under /t/[team]: the signed-in user's context in that team, or the 404 page. */
export async function teamPage(params: Promise<{ team: string }>): Promise<TeamContext> {
  const { team } = await params;
  const user = await requireUser();
  try {
    return await getTeamContext(user, team);
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
}
