import { endpoint } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getMe, async (ctx, { tokenId }) => ({ team: ctx.team, role: ctx.role, token: ctx.actor.label, tokenId }));
