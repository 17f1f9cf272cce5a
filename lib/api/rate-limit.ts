import { db } from "../db/client";

// Per-token rate limit: a fixed one-minute window counted in the token's row, so every web process
// (and a restart) sees the same count. One atomic UPDATE per request.

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (for Retry-After and RateLimit-Reset). */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;

export async function takeRateLimit(tokenId: string, limitPerMinute: number, now = new Date()): Promise<RateDecision> {
  const windowFloor = new Date(now.getTime() - WINDOW_MS);
  const rows = await db.$queryRaw<{ rateWindowStart: Date; rateCount: number }[]>`
    UPDATE "ApiToken" SET
      "rateCount" = CASE WHEN "rateWindowStart" IS NULL OR "rateWindowStart" <= ${windowFloor} THEN 1 ELSE "rateCount" + 1 END,
      "rateWindowStart" = CASE WHEN "rateWindowStart" IS NULL OR "rateWindowStart" <= ${windowFloor} THEN ${now} ELSE "rateWindowStart" END
    WHERE id = ${tokenId}
    RETURNING "rateWindowStart", "rateCount"`;
  const row = rows[0];
  if (!row) return { allowed: false, limit: limitPerMinute, remaining: 0, resetSeconds: 60 };
  const resetSeconds = Math.max(1, Math.ceil((row.rateWindowStart.getTime() + WINDOW_MS - now.getTime()) / 1000));
  return { allowed: row.rateCount <= limitPerMinute, limit: limitPerMinute, remaining: Math.max(0, limitPerMinute - row.rateCount), resetSeconds };
}
