import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getMe, async (ctx, { tokenId, tokenExpiresAt }) => ({ team: ctx.team, role: ctx.role, token: ctx.actor.label, tokenId, expiresAt: tokenExpiresAt }));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT, PATCH, DELETE } = NOT_ALLOWED;
