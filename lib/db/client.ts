import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { env } from "../env";

export type { Prisma } from "./generated/client";
export * from "./generated/enums";

// Created on first use: `next build` imports route modules with no database configured.
const globalForDb = globalThis as unknown as { bulwarkDb?: PrismaClient; bulwarkDbUrl?: string };

/**
 * Points the client at a database found at run time (the embedded server the supervisor started). A client
 * made before for another database is let go here rather than kept: it would go on using the old one (the
 * tests move each file's process to that file's own database, and late work of the previous file may have
 * made a client in between).
 */
export function configureDatabaseUrl(url: string): void {
  const old = globalForDb.bulwarkDb;
  if (old && url !== currentDatabaseUrl()) {
    globalForDb.bulwarkDb = undefined;
    void old.$disconnect().catch(() => {});
  }
  globalForDb.bulwarkDbUrl = url;
}

/** The URL the client uses: the one configured at run time, else DATABASE_URL. */
export function currentDatabaseUrl(): string | undefined {
  return globalForDb.bulwarkDbUrl ?? env().DATABASE_URL;
}

export function getDb(): PrismaClient {
  if (!globalForDb.bulwarkDb) {
    const url = currentDatabaseUrl();
    if (!url) throw new Error("DATABASE_URL is not set: start Bulwark with `npm start`, or set DATABASE_URL");
    globalForDb.bulwarkDb = new PrismaClient({
      // Idle connections are kept 5 minutes (pg's default closes them after 10 s): a burst of page views after a
      // quiet spell then finds them open instead of starting new PostgreSQL backends while it waits (issue 27).
      // They do not keep a process alive that has nothing else to do (allowExitOnIdle).
      adapter: new PrismaPg({ connectionString: url, max: 10, idleTimeoutMillis: 5 * 60_000, allowExitOnIdle: true }),
      // Prisma gives up after 2 s waiting for a pooled connection; under a burst (many writers appending to one
      // team's audit chain, a busy 2-CPU machine) a transaction should wait its turn rather than fail.
      transactionOptions: { maxWait: 15_000, timeout: 20_000 },
    });
  }
  return globalForDb.bulwarkDb;
}

/** The Prisma client, resolved lazily on first property access. */
export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_t, prop) {
    const client = getDb() as unknown as Record<string | symbol, unknown>;
    const value = client[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export async function disconnectDb(): Promise<void> {
  if (globalForDb.bulwarkDb) {
    await globalForDb.bulwarkDb.$disconnect();
    globalForDb.bulwarkDb = undefined;
  }
}
