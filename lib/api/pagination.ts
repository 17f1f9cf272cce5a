import { z } from "zod";
import { ValidationError } from "../errors";

// Cursor pagination for list endpoints: an opaque cursor holds the sort key and id of the last row
// returned; the next page starts strictly after it, so rows added meanwhile never shift a page.

export const PageQuerySchema = z.object({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number({ error: "limit is a number" }).int({ error: "limit is a whole number" }).min(1, { error: "limit is at least 1" }).max(100, { error: "limit is at most 100" }).default(25),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

export interface Cursor { k: string | number; id: string }

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.k, c.id])).toString("base64url");
}

export function decodeCursor(s: string | undefined): Cursor | null {
  if (!s) return null;
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && (typeof v[0] === "string" || typeof v[0] === "number") && typeof v[1] === "string") return { k: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new ValidationError("The cursor is not one this API returned: pass the nextCursor of the previous page unchanged.", { cursor: "invalid cursor" });
}

/** Rows were fetched with take = limit + 1: the extra row only tells whether another page exists. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? encodeCursor(cursorOf(data[data.length - 1]!)) : null };
}
