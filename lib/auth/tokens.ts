import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { ForbiddenError, NotFoundError } from "../errors";
import { roleWithin } from "./permissions";
import type { Role } from "../db/generated/enums";

// API tokens for CI and scripts: `bwk_<48 random base62-ish chars>`. Only the SHA-256 of the secret is
// stored (a token is high-entropy, so a fast hash is enough); the first 12 characters are kept as a
// prefix so people can tell tokens apart. A token acts with its own role, at most its creator's.

const TOKEN_PREFIX = "bwk_";

export const CreateTokenSchema = z.object({
  name: z.string().trim().min(1, { error: "Name the token (e.g. github-actions)" }).max(80),
  role: z.enum(["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"], { error: "Choose a role" }),
  expiresInDays: z.coerce.number({ error: "Choose an expiry" }).int().min(1, { error: "At least 1 day" }).max(366, { error: "At most 366 days" }),
});

export const RevokeTokenSchema = z.object({ tokenId: z.string().min(1) });

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export async function createApiToken(ctx: TeamContext, input: z.infer<typeof CreateTokenSchema>): Promise<{ id: string; secret: string }> {
  assertCan(ctx, "token.manage");
  if (!roleWithin(input.role as Role, ctx.role)) throw new ForbiddenError("A token cannot have a higher role than yours.");
  const secret = TOKEN_PREFIX + randomBytes(36).toString("base64url");
  const token = await db.$transaction(async (tx) => {
    const t = await tx.apiToken.create({
      data: { teamId: ctx.team.id, name: input.name, role: input.role, prefix: secret.slice(0, 12), secretHash: hashToken(secret), createdById: ctx.userId, expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000) },
    });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "token.create", subjectType: "ApiToken", subjectId: t.id, details: { name: input.name, role: input.role, prefix: t.prefix, expiresAt: t.expiresAt?.toISOString() } });
    return t;
  });
  return { id: token.id, secret };
}

export async function revokeApiToken(ctx: TeamContext, tokenId: string) {
  assertCan(ctx, "token.manage");
  await db.$transaction(async (tx) => {
    const t = await tx.apiToken.findFirst({ where: { id: tokenId, teamId: ctx.team.id } });
    if (!t) throw new NotFoundError("This token");
    if (t.revokedAt) return;
    await tx.apiToken.update({ where: { id: t.id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "token.revoke", subjectType: "ApiToken", subjectId: t.id, details: { name: t.name, prefix: t.prefix } });
  });
}

export async function listApiTokens(ctx: TeamContext) {
  return db.apiToken.findMany({ where: { teamId: ctx.team.id }, orderBy: { createdAt: "desc" }, select: { id: true, name: true, prefix: true, role: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true } });
}

/**
 * The team context of a bearer token, or null when it is unknown, revoked or expired. The actor is
 * the token acting for its creator (`tokenActorLabel`), with no user id of its own: the audit log and
 * records say which pipeline did what. `userId` stays the creator's, so segregation of duties holds
 * (a token cannot approve a report its creator generated).
 */
export async function contextFromToken(secret: string): Promise<TeamContext | null> {
  return (await authenticateToken(secret))?.ctx ?? null;
}

/** As contextFromToken, with the token's id (for its rate limit). */
export async function authenticateToken(secret: string): Promise<{ ctx: TeamContext; tokenId: string; expiresAt: Date | null; name: string } | null> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
  const t = await db.apiToken.findUnique({ where: { secretHash: hashToken(secret) }, include: { team: { select: { id: true, slug: true, name: true } } } });
  if (!t || t.revokedAt || (t.expiresAt && t.expiresAt < new Date())) return null;
  // lastUsedAt at minute resolution: one write per minute per token at most.
  if (!t.lastUsedAt || Date.now() - t.lastUsedAt.getTime() > 60_000) await db.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date() } });
  const creator = await db.user.findUnique({ where: { id: t.createdById }, select: { name: true, email: true } });
  const actor = { userId: null, label: tokenActorLabel({ name: t.name, prefix: t.prefix }, creator) };
  return { ctx: { team: t.team, role: t.role, userId: t.createdById, actor }, tokenId: t.id, expiresAt: t.expiresAt, name: t.name };
}

/** The first characters that mark an actor label as an API token's (audit filters and views look for it). */
export const TOKEN_ACTOR_PREFIX = "API token ‘";

/**
 * How an API token appears as the actor of what it did — in the audit log, on reports, in messages:
 * the token (name and prefix) and the person it acts for, so nobody reads the creator as the one who acted.
 * e.g. `API token ‘ci-bot’ (bwk_Ab12Cd34…, acting for Alice <alice@example.com>)`.
 */
export function tokenActorLabel(token: { name: string; prefix: string }, creator: { name: string; email: string } | null): string {
  const forWhom = creator ? `${creator.name} <${creator.email}>` : "a user no longer in Bulwark";
  return `${TOKEN_ACTOR_PREFIX}${token.name}’ (${token.prefix}…, acting for ${forWhom})`;
}
