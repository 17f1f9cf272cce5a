// The web server the supervisor runs (instead of `next start`): Next's own request handler behind a
// small HTTP server that answers what Next would mishandle before Next sees it.
// - A "." or ".." path segment, also written %2e: Next resolves it and so answers another route, or a
//   308 redirect out of the address (/t/demo/models/%2e%2e → /t/demo). Under /api it is a 404
//   problem+json naming the segment; elsewhere the product's not-found page, with status 404.
// - The port taken by another program: one line naming it and the fix, exit code PORT_TAKEN_EXIT_CODE,
//   which tells the supervisor to stop rather than restart this server forever.
// - BULWARK_WEB_PROCESSES > 1: this process becomes a node:cluster primary that owns the port and hands
//   connections in turn to that many workers, each running the handler below. One Node process renders
//   on one core; a page costs 45–55 ms of CPU, so one process saturates at 22–33 pages a second
//   (docs/benchmarks.md). The primary stays the process the supervisor knows (web.pid).
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { env } from "../lib/env";
import { dotSegmentIn, PORT_TAKEN_EXIT_CODE } from "../lib/security/paths";
import { isHttpsUrl, securityHeaders } from "../lib/security/headers";

const ROOT = resolve(import.meta.dirname, "..");
const config = env();
const host = "0.0.0.0";
const portTakenLine = `[web] Port ${config.PORT} is already in use by another program, so the web server cannot listen on it. Stop that program, or set PORT to a free port, then start Bulwark again.`;

if (config.BULWARK_WEB_PROCESSES > 1 && cluster.isPrimary) runPrimary(config.BULWARK_WEB_PROCESSES);
else await serve();

/** The primary: forks the workers, replaces one that dies, stops them all on SIGTERM/SIGINT. It loads no Next. */
function runPrimary(count: number) {
  // Round-robin: the primary accepts each connection and hands it to the next worker. (Left to the kernel,
  // connections bunch on whichever process happens to be waiting in accept, busy or not.)
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const slots = Array.from({ length: count }, () => ({ worker: undefined as Worker | undefined, restarts: 0, lastStart: 0 }));
  let stopping = false;
  let exitCode = 0;

  const fork = (slot: (typeof slots)[number]) => {
    slot.lastStart = Date.now();
    const worker = cluster.fork();
    slot.worker = worker;
    worker.on("exit", (code, signal) => {
      slot.worker = undefined;
      if (stopping) {
        if (slots.every((s) => !s.worker)) process.exit(exitCode);
        return;
      }
      // Another program holds the port: no worker can listen, so stop with the code the supervisor knows.
      if (code === PORT_TAKEN_EXIT_CODE) {
        if (!config.BULWARK_SUPERVISED) console.error(portTakenLine);
        exitCode = PORT_TAKEN_EXIT_CODE;
        stop();
        return;
      }
      // As the supervisor does for its children: a fresh back-off after a minute's run, else doubling up to 30 s.
      if (Date.now() - slot.lastStart > 60_000) slot.restarts = 0;
      const delay = Math.min(30_000, 1000 * 2 ** slot.restarts++);
      console.error(`[web] A web worker (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); starting another in ${delay / 1000}s.`);
      setTimeout(() => !stopping && fork(slot), delay);
    });
  };

  // Each worker stops taking connections and finishes its requests in flight (its own 30 s limit); the
  // primary exits once all have. If the primary itself is killed outright, the workers' IPC channel closes
  // and Node's cluster makes each exit at once; the listening socket was the primary's, so nothing holds the port.
  function stop() {
    if (stopping) return;
    stopping = true;
    const running = slots.flatMap((s) => (s.worker ? [s.worker] : []));
    if (running.length === 0) process.exit(exitCode);
    for (const w of running) w.process.kill("SIGTERM");
    setTimeout(() => {
      for (const s of slots) s.worker?.process.kill("SIGKILL");
      process.exit(exitCode);
    }, 35_000).unref();
  }
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  for (const slot of slots) fork(slot);
  console.log(`[web] ${count} web worker processes on ${host}:${config.PORT} (BULWARK_WEB_PROCESSES)`);
}

/** Next's handler on the port (a cluster worker's listen goes through the primary, which holds the port). */
async function serve() {
  const { default: next } = await import("next");
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
      // Under the supervisor, it says this in its own one line when it stops; under a cluster primary, the primary says it once.
      if (!config.BULWARK_SUPERVISED && !cluster.isWorker) console.error(portTakenLine);
      process.exit(PORT_TAKEN_EXIT_CODE);
    }
    console.error(`[web] The web server cannot listen on ${host}:${config.PORT}: ${e.code ?? e.message}.`);
    process.exit(1);
  });
  const who = cluster.isWorker ? `web worker (pid ${process.pid})` : "web";
  server.listen(config.PORT, host, () => console.log(`[web] ${who} listening on ${host}:${config.PORT}`));

  // Stop taking connections, let requests in flight finish (up to 30 s), then exit. A keep-alive connection
  // whose request finishes afterwards turns idle and is closed too (else it would hold the exit for 30 s).
  let stopping = false;
  function stop() {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 250).unref();
    setTimeout(() => process.exit(0), 30_000).unref();
  }
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
