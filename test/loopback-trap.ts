import { connect, createServer, type AddressInfo, type Server } from "node:net";

// A listener on loopback that only counts: 127.0.0.1, ::1 and 127.0.0.2 on one port. Every spelling the
// tests use is first shown to reach it with a plain TCP connect, so "0 connections" means the guard held.
export interface Trap {
  port: number;
  accepted: number;
  close(): void;
}

export async function startTrap(): Promise<Trap> {
  const servers: Server[] = [];
  const trap: Trap = { port: 0, accepted: 0, close: () => servers.forEach((s) => s.close()) };
  for (const host of ["127.0.0.1", "::1", "127.0.0.2"]) {
    const s = createServer((sock) => {
      trap.accepted++;
      sock.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(trap.port, host, () => {
        trap.port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
    servers.push(s);
  }
  return trap;
}

/** The loopback spellings from issue #34, as URL hosts. */
export const LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "0.0.0.0", "[::1]", "[::ffff:127.0.0.1]", "localhost", "127.0.0.2"];

/** What a URL with this host connects to without a guard (the WHATWG parser's reading, as Node's fetch would use it). */
export function rawTarget(spelling: string): string {
  return new URL(`http://${spelling}/`).hostname.replace(/^\[|\]$/g, "");
}


/** Positive control: connects to the trap once per spelling, as written, without any guard; resolves with the connections accepted. */
export async function connectEverySpelling(trap: Trap): Promise<number> {
  const before = trap.accepted;
  for (const h of LOOPBACK_SPELLINGS) {
    await new Promise<void>((resolve, reject) => {
      const sock = connect(trap.port, rawTarget(h), () => {
        sock.destroy();
        resolve();
      });
      sock.on("error", reject);
    });
  }
  // The listener counts on its side of the connection: wait until it saw them all (or give up after 2 s).
  for (let i = 0; i < 200 && trap.accepted - before < LOOPBACK_SPELLINGS.length; i++) await new Promise((r) => setTimeout(r, 10));
  return trap.accepted - before;
}
