// The web server the supervisor runs (instead of `next start`): Next's own request handler behind a
// small HTTP server that answers what Next would mishandle before Next sees it.
// - A "." or ".." path segment, also written %2e: Next resolves it and so answers another route, or a
//   308 redirect out of the address (/t/demo/models/%2e%2e → /t/demo). Under /api it is a 404
//   problem+json naming the segment; elsewhere the product's not-found page, with status 404.
// - The port taken by another program: one line naming it and the fix, exit code PORT_TAKEN_EXIT_CODE,
//   which tells the supervisor to stop rather than restart this server forever.
import { createServer } from "node:http";
import { resolve } from "node:path";
import next from "next";
import { env } from "../lib/env";
import { dotSegmentIn, PORT_TAKEN_EXIT_CODE } from "../lib/security/paths";
import { isHttpsUrl, securityHeaders } from "../lib/security/headers";

const ROOT = resolve(import.meta.dirname, "..");
const config = env();
const host = "0.0.0.0";
const app = next({ dev: false, dir: ROOT, hostname: host, port: config.PORT });
const handle = app.getRequestHandler();
await app.prepare();

/** An address Next has no route for: it renders app/not-found.tsx with status 404 (and the usual headers). */
const NOT_FOUND_PATH = "/_bulwark/not-found";

const server = createServer((req, res) => {
  const segment = dotSegmentIn(req.url ?? "/");
  if (segment !== null) {
    if ((req.url ?? "").startsWith("/api/")) {
      res.writeHead(404, { ...securityHeaders({ https: isHttpsUrl(config.nextAuthUrl) }), "content-type": "application/problem+json", "cache-control": "no-store" });
      res.end(JSON.stringify({ type: "about:blank", title: "Not found", status: 404, detail: `The address has a "${segment}" path segment; no record or operation is named that way. See /api/v1/openapi.json.` }));
      return;
    }
    req.url = NOT_FOUND_PATH;
  }
  void handle(req, res);
});
// Idle keep-alive connections are kept 65 s, longer than the 60 s idle timeout of common load balancers
// and proxies: a server that closes first races the client's next request on that connection, which then
// fails with a reset (seen as ECONNRESET under load with next start's 5 s). Headers must wait longer still.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EADDRINUSE") {
    // Under the supervisor, it says this in its own one line when it stops.
    if (!config.BULWARK_SUPERVISED) console.error(`[web] Port ${config.PORT} is already in use by another program, so the web server cannot listen on it. Stop that program, or set PORT to a free port, then start Bulwark again.`);
    process.exit(PORT_TAKEN_EXIT_CODE);
  }
  console.error(`[web] The web server cannot listen on ${host}:${config.PORT}: ${e.code ?? e.message}.`);
  process.exit(1);
});
server.listen(config.PORT, host, () => console.log(`[web] listening on ${host}:${config.PORT}`));

// Stop taking connections, let requests in flight finish (up to 30 s), then exit.
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 30_000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
