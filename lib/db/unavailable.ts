// Whether an error means "the database cannot be reached right now" (stopped, restarting, refusing
// connections) rather than a bug: such a request is answered 503 with Retry-After, not 500.

// Node socket errors; PostgreSQL SQLSTATEs of class 08 (connection exception) and 57P01-57P03 (shutting
// down, starting up); Prisma's "can't reach", "server closed the connection" and "pool timeout" codes.
const CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "P1001", "P1002", "P1017", "P2024"]);
const MESSAGES = /Connection terminated|connection error|ECONNREFUSED|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Can't reach database server|Server has closed the connection|Timed out fetching a new connection/i;

export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 6; depth++) {
    const x = cur as { code?: unknown; message?: unknown; cause?: unknown; kind?: unknown; originalCode?: unknown };
    if (typeof x.code === "string" && CODES.has(x.code)) return true;
    if (typeof x.originalCode === "string" && CODES.has(x.originalCode)) return true;
    if (x.kind === "DatabaseNotReachable" || x.kind === "ConnectionClosed" || x.kind === "SocketTimeout") return true;
    if (typeof x.message === "string" && MESSAGES.test(x.message)) return true;
    cur = x.cause;
  }
  return false;
}

/** Seconds a client should wait before asking again while the database is away (it restarts within seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
