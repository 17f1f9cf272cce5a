import { createServer, type IncomingMessage, type Server } from "node:http";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";

// REST API v1 over real HTTP for tests of outside clients (the generated TypeScript client, the CLI, the
// Python example): a node:http server that hands each request to the same route handlers Next.js calls
// (app/api/v1/**/route.ts), on the test's real database and queue. Only Next's router is replaced: an
// address is matched to its route file the way the App Router does (fixed segments before [params]).

type Handler = (req: Request, ctx?: { params?: Promise<Record<string, string>> }) => Promise<Response> | Response;
const modules = import.meta.glob<Record<string, Handler>>("../app/api/v1/**/route.ts", { eager: true });

interface Route { segments: string[]; mod: Record<string, Handler> }
const routes: Route[] = Object.entries(modules)
  .map(([file, mod]) => ({ segments: file.replace(/^\.\.\/app\/api\/v1\//, "").replace(/\/?route\.ts$/, "").split("/").filter(Boolean), mod }))
  // Fixed segments win over [param], [param] over [...catchAll].
  .sort((a, b) => rank(a.segments) - rank(b.segments));
function rank(s: string[]) {
  return s.reduce((n, seg, i) => n + (seg.startsWith("[...") ? 1000 : seg.startsWith("[") ? 10 ** -i : 0), 0);
}

function match(path: string): { mod: Record<string, Handler>; params: Record<string, string> } | null {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const r of routes) {
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < r.segments.length && ok; i++) {
      const seg = r.segments[i]!;
      if (seg.startsWith("[...")) return { mod: r.mod, params };
      if (i >= parts.length) ok = false;
      else if (seg.startsWith("[")) params[seg.slice(1, -1)] = parts[i]!;
      else ok = seg === parts[i];
    }
    if (ok && parts.length === r.segments.length) return { mod: r.mod, params };
  }
  return null;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function toRequest(req: IncomingMessage, base: string, text?: string): Promise<Request> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", base), { method: req.method, headers, body: !hasBody ? undefined : text !== undefined ? text : (Readable.toWeb(req) as ReadableStream<Uint8Array>), duplex: "half" } as RequestInit);
}

export interface SeenRequest { method: string; path: string; body?: string }

export async function startApiServer(): Promise<{ url: string; close: () => Promise<void>; requests: SeenRequest[] }> {
  // What clients sent (JSON bodies as text), for tests of what goes over the wire.
  const requests: SeenRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://x");
    const json = (req.headers["content-type"] ?? "").startsWith("application/json");
    const body = json ? await readText(req) : undefined;
    requests.push({ method: req.method ?? "GET", path: pathname, body });
    const m = pathname.startsWith("/api/v1/") ? match(pathname.slice("/api/v1".length)) : null;
    const handler = m?.mod[req.method ?? "GET"];
    if (!m || !handler) {
      res.writeHead(404, { "content-type": "text/html" }).end("<!doctype html><title>404</title>");
      return;
    }
    const answer = await handler(await toRequest(req, `http://${req.headers.host}`, body), { params: Promise.resolve(m.params) });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())), requests };
}

/** A server that is not Bulwark: answers every request 200 with an HTML page (a wrong BULWARK_URL). */
export async function startHtmlServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!doctype html><html><body>Welcome to nginx!</body></html>"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
