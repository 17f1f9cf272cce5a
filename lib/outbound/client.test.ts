import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import { connectEverySpelling, LOOPBACK_SPELLINGS, startTrap, type Trap } from "../../test/loopback-trap";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OutboundClient, parseRetryAfter, type OutboundOptions } from "./client";
import { OutboundError, type AllowedHost, type Resolver } from "./policy";
import type { Clock } from "./throttle";

// Real HTTP servers on loopback. Loopback is itself refused by default, so the tests that need a
// working server reach it through a made-up name that the injected resolver maps to 127.0.0.1 and an
// allowlist entry where an admin allowed private addresses for that one name and its port (the instance
// switch for private targets on). Refusals are proven by counting the connections a listener accepted.

interface TestServer {
  port: number;
  hits: IncomingMessage[];
  /** TCP connections accepted (a refusal must leave this at 0, not merely send no request). */
  connections: number;
  server: Server;
}

let handler: (req: IncomingMessage, res: ServerResponse, hits: number) => void = (_q, res) => res.end("ok");
let other: TestServer;
let main: TestServer;

function start(onRequest: (s: TestServer) => (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  return new Promise((resolve) => {
    const s = { port: 0, hits: [] as IncomingMessage[], connections: 0, server: null as unknown as Server };
    s.server = createServer((req, res) => {
      s.hits.push(req);
      onRequest(s)(req, res);
    });
    s.server.on("connection", () => s.connections++);
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
  main.connections = 0;
  other.connections = 0;
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
let trusted: AllowedHost[] = [];
beforeAll(() => {
  trusted = [
    { host: "models.test", allowPrivate: true, ports: [main.port] },
    { host: "other.test", allowPrivate: true, ports: [other.port] },
    { host: "evil.example", allowPrivate: false, ports: [80] },
    { host: "mixed.example", allowPrivate: false, ports: [443] },
    { host: "metadata.example", allowPrivate: false, ports: [80] },
  ];
});
/** Entries for literal hosts on every port the tests use. */
const entries = (hosts: string[], allowPrivate = false): AllowedHost[] => hosts.map((h) => ({ host: h.replace(/^\[|\]$/g, ""), allowPrivate, ports: [80, 443, main.port, other.port] }));

/** Records the waits asked for and returns at once (no test waits on real backoff). */
function recordingClock(): Clock & { sleeps: number[] } {
  const c = { sleeps: [] as number[], now: () => Date.now(), sleep: async (ms: number) => void c.sleeps.push(ms) };
  return c;
}

function client(o: Partial<OutboundOptions> = {}) {
  return new OutboundClient({ allowlist: trusted, instanceAllowsPrivate: true, timeoutMs: 2000, maxResponseBytes: 4096, requestsPerSecond: 1e6, resolve: resolver, clock: recordingClock(), ...o });
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
    const allowlist = entries(literals);
    for (const h of literals) {
      const e = await refusal(client({ allowlist }).request({ url: `http://${h}:${main.port}/predict`, method: "POST", body: "{}" }));
      expect(e.code, h).toBe("private_address");
      expect(e.message).toMatch(/Refused: the address .*(loopback|private|shared|link-local|this-network|unique local|IPv4-mapped)/);
      expect(main.connections, h).toBe(0);
    }
    // Obfuscated spellings of 127.0.0.1 are normalised by the URL parser before the check.
    for (const h of ["0x7f.1", "2130706433", "127.1", "0177.0.0.1"]) {
      const e = await refusal(client({ allowlist: entries(["127.0.0.1"]) }).request({ url: `http://${h}:${main.port}/`, method: "GET" }));
      expect(e.code, h).toBe("private_address");
    }
    expect(main.hits).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address (system resolver: localhost)", async () => {
    const c = new OutboundClient({ allowlist: entries(["localhost"]), instanceAllowsPrivate: true, timeoutMs: 2000, maxResponseBytes: 4096 });
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
    expect(e3.message).toContain("link-local, cloud metadata (169.254.169.254), which outbound calls may never reach");
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
      const allowlist = [...trusted, ...entries(["127.0.0.1", "169.254.169.254", "::1"])];
      const e = await refusal(client({ allowlist }).request({ url: `http://models.test:${main.port}/predict`, method: "GET" }));
      expect(e.code, location).toBe("private_address");
    }
    expect(other.connections).toBe(0);
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

  it("times out a silent server and retries; the message is the one of any failure to connect", async () => {
    handler = () => undefined; // never answers
    // 1 s, not less: this listener runs in the test's own process, and on a busy machine a shorter timer could
    // fire before the process had read the request, so the server would count fewer attempts than were sent.
    const c = client({ timeoutMs: 1_000, maxRetries: 1 });
    const e = await refusal(c.request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e.code).toBe("timeout");
    expect(e.message).toBe(`Could not connect to models.test:${main.port} (after 2 attempts).`);
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

/** A webhook client: any public host, private ones only through the allowlist and the instance switch, no redirects. */
function webhookClient(o: Partial<OutboundOptions> = {}) {
  return new OutboundClient({ allowlist: [], anyPublicHost: true, instanceAllowsPrivate: false, maxRedirects: 0, maxRetries: 0, timeoutMs: 2000, maxResponseBytes: 4096, clock: recordingClock(), ...o });
}

describe("webhook rules (any public host, nothing internal)", () => {
  let trap: Trap;
  beforeAll(async () => {
    trap = await startTrap();
  });
  afterAll(() => trap.close());

  it("every loopback spelling reaches the listener without the guard, and none does through it", async () => {
    // Positive control: each spelling, connected to as written, is accepted by the listener.
    expect(await connectEverySpelling(trap)).toBe(LOOPBACK_SPELLINGS.length);
    trap.accepted = 0;
    // Through the guard: with the instance switch off and on (no allowlist entry), with the system resolver for localhost.
    for (const instanceAllowsPrivate of [false, true]) {
      for (const h of LOOPBACK_SPELLINGS) {
        const e = await refusal(webhookClient({ instanceAllowsPrivate }).request({ url: `http://${h}:${trap.port}/hook`, method: "POST", body: "{}" }));
        expect(e.code, h).toBe("private_address");
        expect(e.retryable).toBe(false);
      }
    }
    expect(trap.accepted).toBe(0);
  });

  it("refuses names that resolve to loopback (injected resolver), also among public addresses", async () => {
    const dns: Record<string, string[]> = {
      "hooks.example": ["127.0.0.1"],
      "hooks6.example": ["::1"],
      "mapped.example": ["::ffff:127.0.0.2"],
      "split.example": ["93.184.215.14", "127.0.0.1"],
      "zero.example": ["0.0.0.0"],
    };
    const resolve: Resolver = async (h) => (dns[h] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    for (const name of Object.keys(dns)) {
      const e = await refusal(webhookClient({ resolve, instanceAllowsPrivate: true }).request({ url: `http://${name}:${trap.port}/hook`, method: "POST", body: "{}" }));
      expect(e.code, name).toBe("private_address");
      expect(e.message).toContain(`${name} resolves to`);
    }
    expect(trap.accepted).toBe(0);
  });

  it("does not follow a redirect, wherever it points", async () => {
    const allowlist = [{ host: "models.test", allowPrivate: true, ports: [main.port] }];
    for (const h of LOOPBACK_SPELLINGS) {
      handler = (_q, res) => res.writeHead(307, { location: `http://${h}:${trap.port}/collect` }).end();
      const e = await refusal(webhookClient({ allowlist, instanceAllowsPrivate: true, resolve: resolver }).request({ url: `http://models.test:${main.port}/hook`, method: "POST", body: "{}" }));
      expect(e.code, h).toBe("too_many_redirects");
      expect(e.message).toBe("models.test answered with a redirect (HTTP 307), which this call does not follow.");
    }
    expect(main.hits).toHaveLength(LOOPBACK_SPELLINGS.length);
    expect(trap.accepted).toBe(0);
  });

  it("reaches a private host only with the instance switch on and an allowlist entry for that host and port", async () => {
    const url = `http://models.test:${main.port}/hook`;
    const exact = [{ host: "models.test", allowPrivate: true, ports: [main.port] }];
    // Switch off: the entry does not open it.
    const off = await refusal(webhookClient({ allowlist: exact, resolve: resolver }).request({ url, method: "POST", body: "{}" }));
    expect(off.message).toContain("This instance does not allow calls to private addresses");
    // Switch on, entry without private access, or on another port: refused.
    for (const allowlist of [[{ ...exact[0], allowPrivate: false }], [{ ...exact[0], ports: [other.port] }], []]) {
      const e = await refusal(webhookClient({ allowlist, instanceAllowsPrivate: true, resolve: resolver }).request({ url, method: "POST", body: "{}" }));
      expect(e.code).toBe("private_address");
    }
    expect(main.connections).toBe(0);
    // Switch on and the exact entry: delivered.
    const res = await webhookClient({ allowlist: exact, instanceAllowsPrivate: true, resolve: resolver }).request({ url, method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    expect(main.hits).toHaveLength(1);
  });
});

describe("never reachable: link-local and cloud metadata", () => {
  it("refuses them even with the instance switch on and an entry allowing private addresses", async () => {
    const dns: Record<string, string[]> = { "metadata.google.internal": ["169.254.169.254"], "imds6.example": ["fd00:ec2::254"] };
    const resolve: Resolver = async (h) => (dns[h] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    const hosts = ["169.254.169.254", "169.254.170.2", "[fe80::1]", "[fd00:ec2::254]", "[::ffff:169.254.169.254]", "100.100.100.200", "168.63.129.16", "224.0.0.1", "metadata.google.internal", "imds6.example"];
    // Entries written straight into the list (the schema refuses them; a row from before could still exist).
    const allowlist = entries(hosts, true);
    for (const h of hosts) {
      for (const c of [client({ allowlist, resolve }), webhookClient({ allowlist, instanceAllowsPrivate: true, resolve })]) {
        const e = await refusal(c.request({ url: `http://${h}/latest/meta-data/`, method: "GET" }));
        expect(e.code, h).toBe("private_address");
        expect(e.message, h).toContain("which outbound calls may never reach");
      }
    }
  });
});

describe("allowlist entries name their ports", () => {
  it("refuses a port the entry does not list, private access or not, before connecting", async () => {
    const allowlist: AllowedHost[] = [{ host: "models.test", allowPrivate: true, ports: [main.port] }];
    const e = await refusal(client({ allowlist }).request({ url: `http://models.test:${other.port}/`, method: "GET" }));
    expect(e.code).toBe("port_not_allowed");
    expect(e.message).toBe(`Port ${other.port} is not allowed for models.test (allowed: ${main.port}). A team admin can add it under Settings → Outbound hosts.`);
    // The default port of the scheme counts as named: http:// is 80, not allowed here.
    expect((await refusal(client({ allowlist }).request({ url: "http://models.test/", method: "GET" }))).message).toMatch(/^Port 80 is not allowed/);
    // A redirect to an unlisted port of the same host is refused too.
    handler = (_q, res) => res.writeHead(302, { location: `http://models.test:${other.port}/` }).end();
    expect((await refusal(client({ allowlist }).request({ url: `http://models.test:${main.port}/`, method: "GET" }))).code).toBe("port_not_allowed");
    expect(other.connections).toBe(0);
  });

  it("answers one sentence for a closed port, a silent service, a service that is not HTTP and a reset", async () => {
    const closed = await startTrap();
    closed.close();
    const odd = createTcpServer((sock) => {
      const mode = sock.localPort === oddPorts[0] ? "banner" : sock.localPort === oddPorts[1] ? "reset" : "silent";
      if (mode === "banner") sock.end("SSH-2.0-OpenSSH_9.6\r\n");
      else if (mode === "reset") sock.resetAndDestroy();
    });
    const listen = (s: TcpServer) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
    const odd2 = createTcpServer(odd.listeners("connection")[0] as () => void);
    const odd3 = createTcpServer(odd.listeners("connection")[0] as () => void);
    const oddPorts = [await listen(odd), await listen(odd2), await listen(odd3)];
    try {
      const ports = [closed.port, ...oddPorts];
      const allowlist: AllowedHost[] = [{ host: "models.test", allowPrivate: true, ports }];
      const messages: string[] = [];
      for (const port of ports) {
        const e = await refusal(client({ allowlist, maxRetries: 0, timeoutMs: 300 }).request({ url: `http://models.test:${port}/`, method: "POST", body: "{}" }));
        messages.push(e.message.replace(String(port), "PORT"));
      }
      expect(new Set(messages)).toEqual(new Set(["Could not connect to models.test:PORT."]));
    } finally {
      for (const s of [odd, odd2, odd3]) s.close();
    }
  });
});

describe("the allowlist is read for every request", () => {
  it("a host removed between two requests is refused at the next one, with no connection", async () => {
    let list: AllowedHost[] = [{ host: "models.test", allowPrivate: true, ports: [main.port] }];
    let reads = 0;
    const c = client({
      allowlist: async () => {
        reads++;
        return list;
      },
    });
    for (let i = 0; i < 3; i++) await c.request({ url: `http://models.test:${main.port}/`, method: "GET" });
    expect(reads).toBe(3);
    c.close(); // no pooled socket carries the next request
    list = [];
    const connectionsBefore = main.connections;
    const e = await refusal(c.request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e.code).toBe("host_not_allowed");
    expect(main.hits).toHaveLength(3);
    expect(main.connections).toBe(connectionsBefore);
  });

  it("with the instance switch off, an entry allowing private addresses opens nothing", async () => {
    const e = await refusal(client({ instanceAllowsPrivate: false }).request({ url: `http://models.test:${main.port}/`, method: "GET" }));
    expect(e.message).toMatch(/loopback .*This instance does not allow calls to private addresses \(the operator's setting BULWARK_OUTBOUND_ALLOW_PRIVATE\)/);
    expect(main.connections).toBe(0);
  });
});
