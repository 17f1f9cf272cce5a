import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OutboundClient, parseRetryAfter, type OutboundOptions } from "./client";
import { OutboundError, type AllowedHost, type Resolver } from "./policy";
import type { Clock } from "./throttle";

// Real HTTP servers on loopback. Loopback is itself refused by default, so the tests that need a
// working server reach it through a made-up name that the injected resolver maps to 127.0.0.1 and an
// allowlist entry where an admin allowed private addresses for that one name.

interface TestServer {
  port: number;
  hits: IncomingMessage[];
  server: Server;
}

let handler: (req: IncomingMessage, res: ServerResponse, hits: number) => void = (_q, res) => res.end("ok");
let other: TestServer;
let main: TestServer;

function start(onRequest: (s: TestServer) => (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  return new Promise((resolve) => {
    const s = { port: 0, hits: [] as IncomingMessage[], server: null as unknown as Server };
    s.server = createServer((req, res) => {
      s.hits.push(req);
      onRequest(s)(req, res);
    });
    s.server.listen(0, "127.0.0.1", () => {
      s.port = (s.server.address() as AddressInfo).port;
      resolve(s);
    });
  });
}

beforeAll(async () => {
  main = await start((s) => (req, res) => handler(req, res, s.hits.length));
  other = await start(() => (req, res) => res.end(JSON.stringify({ auth: req.headers.authorization ?? null, key: req.headers["x-api-key"] ?? null })));
});
afterAll(() => {
  main.server.closeAllConnections();
  other.server.closeAllConnections();
  main.server.close();
  other.server.close();
});
afterEach(() => {
  main.hits.length = 0;
  other.hits.length = 0;
  handler = (_q, res) => res.end("ok");
});

const names: Record<string, string[]> = {
  "models.test": ["127.0.0.1"],
  "other.test": ["127.0.0.1"],
  "evil.example": ["10.1.2.3"],
  "mixed.example": ["93.184.215.14", "192.168.0.7"],
  "metadata.example": ["169.254.169.254"],
};
const resolver: Resolver = async (host) => {
  const a = names[host];
  if (!a) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
  return a.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};
const trusted: AllowedHost[] = [
  { host: "models.test", allowPrivate: true },
  { host: "other.test", allowPrivate: true },
  { host: "evil.example", allowPrivate: false },
  { host: "mixed.example", allowPrivate: false },
  { host: "metadata.example", allowPrivate: false },
];

/** Records the waits asked for and returns at once (no test waits on real backoff). */
function recordingClock(): Clock & { sleeps: number[] } {
  const c = { sleeps: [] as number[], now: () => Date.now(), sleep: async (ms: number) => void c.sleeps.push(ms) };
  return c;
}

function client(o: Partial<OutboundOptions> = {}) {
  return new OutboundClient({ allowlist: trusted, timeoutMs: 2000, maxResponseBytes: 4096, requestsPerSecond: 1e6, resolve: resolver, clock: recordingClock(), ...o });
}

async function refusal(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OutboundError);
    return e as OutboundError;
  }
  throw new Error("expected a refusal");
}

describe("SSRF guard", () => {
  it("refuses loopback, private, shared, link-local and IPv6 internal addresses, even when allowlisted", async () => {
    const literals = [
      "127.0.0.1",
      "10.0.0.8",
      "172.20.1.1",
      "192.168.1.1",
      "100.64.3.3",
      "169.254.169.254",
      "0.0.0.0",
      "[::1]",
      "[fd00::1]",
      "[fe80::1]",
      "[::ffff:127.0.0.1]",
    ];
    const allowlist = literals.map((h) => ({ host: h.replace(/^\[|\]$/g, ""), allowPrivate: false }));
    for (const h of literals) {
      const e = await refusal(client({ allowlist }).request({ url: `http://${h}:${main.port}/predict`, method: "POST", body: "{}" }));
      expect(e.code, h).toBe("private_address");
      expect(e.message).toMatch(/Refused: the address .*(loopback|private|shared|link-local|this-network|unique local|IPv4-mapped)/);
    }
    // Obfuscated spellings of 127.0.0.1 are normalised by the URL parser before the check.
    for (const h of ["0x7f.1", "2130706433", "127.1", "0177.0.0.1"]) {
      const e = await refusal(client({ allowlist: [{ host: "127.0.0.1", allowPrivate: false }] }).request({ url: `http://${h}:${main.port}/`, method: "GET" }));
      expect(e.code, h).toBe("private_address");
    }
    expect(main.hits).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address (system resolver: localhost)", async () => {
    const c = new OutboundClient({ allowlist: [{ host: "localhost", allowPrivate: false }], timeoutMs: 2000, maxResponseBytes: 4096 });
    const e = await refusal(c.request({ url: `http://localhost:${main.port}/`, method: "GET" }));
    expect(e.code).toBe("private_address");
    expect(e.message).toMatch(/\(localhost resolves to \S+\) is loopback/);
    expect(main.hits).toHaveLength(0);
  });

  it("refuses a name resolving to a private address, and one with any private address among public ones", async () => {
    const e1 = await refusal(client().request({ url: "http://evil.example/predict", method: "GET" }));
    expect(e1.code).toBe("private_address");
    expect(e1.message).toContain("evil.example resolves to 10.1.2.3) is private (10.0.0.0/8)");
    const e2 = await refusal(client().request({ url: "https://mixed.example/", method: "GET" }));
    expect(e2.message).toContain("192.168.0.7");
    const e3 = await refusal(client().request({ url: "http://metadata.example/latest/meta-data/", method: "GET" }));
    expect(e3.message).toContain("link-local (169.254.0.0/16)");
  });

  it("refuses hosts that are not on the allowlist, other schemes, and credentials in the URL", async () => {
    expect((await refusal(client().request({ url: "http://unknown.test/", method: "GET" }))).message).toMatch(
      /unknown\.test is not on this team's outbound allowlist/,
    );
    expect((await refusal(client().request({ url: "file:///etc/passwd", method: "GET" }))).code).toBe("bad_url");
    expect((await refusal(client().request({ url: "gopher://models.test/", method: "GET" }))).code).toBe("bad_url");
    expect((await refusal(client().request({ url: `http://u:p@models.test:${main.port}/`, method: "GET" }))).message).toMatch(/user name or password/);
    expect((await refusal(client().request({ url: "not a url", method: "GET" }))).code).toBe("bad_url");
    expect(main.hits).toHaveLength(0);
  });

  it("refuses a redirect to a private address and never contacts it", async () => {
    for (const location of [`http://127.0.0.1:${other.port}/`, "http://169.254.169.254/latest/meta-data/", "http://evil.example/", `http://[::1]:${other.port}/`]) {
      handler = (_q, res) => res.writeHead(302, { location }).end();
      const allowlist = [...trusted, { host: "127.0.0.1", allowPrivate: false }, { host: "169.254.169.254", allowPrivate: false }, { host: "::1", allowPrivate: false }];
      const e = await refusal(client({ allowlist }).request({ url: `http://models.test:${main.port}/predict`, method: "GET" }));
      expect(e.code, location).toBe("private_address");
    }
    expect(other.hits).toHaveLength(0);
    expect(main.hits).toHaveLength(4);
  });

  it("refuses a redirect to a host off the allowlist", async () => {
    handler = (_q, res) => res.writeHead(307, { location: "https://attacker.example/collect" }).end();
    const e = await refusal(client().request({ url: `http://models.test:${main.port}/`, method: "POST", body: "{}" }));
    expect(e.code).toBe("host_not_allowed");
  });

  it("connects to the checked address: the name is never looked up again (no DNS rebinding)", async () => {
    let lookups = 0;
    const once: Resolver = async (h) => {
      lookups++;
      // A rebinding resolver would answer differently the second time; the system resolver cannot resolve models.test at all.
      return lookups === 1 ? resolver(h) : [{ address: "10.9.9.9", family: 4 }];
    };
    const res = await client({ resolve: once }).request({ url: `http://models.test:${main.port}/x`, method: "GET" });
    expect(res.body.toString()).toBe("ok");
    expect(lookups).toBe(1);
    expect(main.hits[0].headers.host).toBe(`models.test:${main.port}`);
  });
});

describe("OutboundClient", () => {
  it("follows an allowed redirect and drops credentials when the origin changes", async () => {
    handler = (_q, res) => res.writeHead(307, { location: `http://other.test:${other.port}/predict` }).end();
    const c = client({ secretHeaders: ["X-Api-Key"] });
    const res = await c.request({
      url: `http://models.test:${main.port}/predict`,
      method: "POST",
      headers: { authorization: "Bearer s3cret-token", "x-api-key": "k-123456", "content-type": "application/json" },
      body: "{}",
    });
    expect(JSON.parse(res.body.toString())).toEqual({ auth: null, key: null });
    expect(main.hits[0].headers.authorization).toBe("Bearer s3cret-token");
    expect(other.hits[0].method).toBe("POST");
    expect(c.stats.requests).toBe(2);
  });

  it("stops after the redirect limit", async () => {
    handler = (_q, res) => res.writeHead(302, { location: "/again" }).end();
    const e = await refusal(client({ maxRedirects: 2 }).request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e.code).toBe("too_many_redirects");
    expect(main.hits).toHaveLength(3);
  });

  it("retries 5xx with backoff and counts every request", async () => {
    handler = (_q, res, n) => (n <= 2 ? res.writeHead(503).end("busy") : res.end("fine"));
    const clock = recordingClock();
    const c = client({ clock, retryBaseMs: 100 });
    const res = await c.request({ url: `http://models.test:${main.port}/`, method: "GET" });
    expect(res.body.toString()).toBe("fine");
    expect(c.stats).toMatchObject({ requests: 3, retries: 2, succeeded: 1, failed: 0 });
    // Exponential backoff with up to 50% jitter: about 100 ms, then about 200 ms.
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(100);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(150);
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(200);
    expect(clock.sleeps[1]).toBeLessThanOrEqual(300);
  });

  it("honours Retry-After on 429, capped", async () => {
    handler = (_q, res, n) => (n === 1 ? res.writeHead(429, { "retry-after": "2" }).end() : n === 2 ? res.writeHead(429, { "retry-after": "3600" }).end() : res.end("ok"));
    const clock = recordingClock();
    await client({ clock, maxRetryAfterMs: 5000 }).request({ url: `http://models.test:${main.port}/`, method: "GET" });
    expect(clock.sleeps).toEqual([2000, 5000]);
  });

  it("gives up after its retries with the count in the message, and does not retry 4xx", async () => {
    handler = (_q, res) => res.writeHead(500).end("Internal error: token s3cret-token rejected");
    const c = client({ maxRetries: 2 });
    const e = await refusal(c.request({ url: `http://models.test:${main.port}/p?api_key=s3cret-token`, method: "GET", headers: { authorization: "Bearer s3cret-token" } }));
    expect(e.message).toBe("models.test answered HTTP 500 (after 3 attempts).");
    expect(e.message).not.toContain("s3cret");
    expect(c.stats).toMatchObject({ requests: 3, failed: 1 });

    handler = (_q, res) => res.writeHead(401).end();
    const c2 = client();
    const e2 = await refusal(c2.request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e2.status).toBe(401);
    expect(c2.stats.requests).toBe(1);
  });

  it("times out a silent server and retries", async () => {
    handler = () => undefined; // never answers
    const c = client({ timeoutMs: 150, maxRetries: 1 });
    const e = await refusal(c.request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e.code).toBe("timeout");
    expect(e.message).toBe("models.test did not answer within 150 ms (after 2 attempts).");
    expect(main.hits).toHaveLength(2);
  });

  it("limits the response size, declared or streamed", async () => {
    handler = (_q, res) => res.end("x".repeat(10_000));
    const e1 = await refusal(client({ maxRetries: 0 }).request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e1.code).toBe("too_large");
    handler = (_q, res) => {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      for (let i = 0; i < 10; i++) res.write("y".repeat(1000));
      res.end();
    };
    const e2 = await refusal(client({ maxRetries: 0 }).request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e2.code).toBe("too_large");
    expect(e2.message).toContain("more than 4096 bytes");
  });

  it("parses Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1000)).toBe(60_000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
});
