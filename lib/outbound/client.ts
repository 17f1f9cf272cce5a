import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { checkTarget, OutboundError, parseOutboundUrl, type AllowedHost, type CheckedTarget, type Resolver, type TargetRules } from "./policy";
import { realClock, Throttle, type Clock } from "./throttle";

// The one way Bulwark calls out: model endpoints and webhooks. Each hop (the first request and every
// redirect) is checked against the rules read at that moment (the team's allowlist, loaded again per
// request when given as a function) and the address rules after DNS resolution, and the socket connects
// to exactly the address that was checked. Responses are size-limited; 5xx, 429, timeouts and connection
// failures are retried with exponential backoff (honouring Retry-After). Error messages name the host and
// the failure, never headers, bodies, paths or query strings (which may carry secrets); a failure before
// any HTTP answer is one sentence, "could not connect", whatever the cause, so that a caller cannot tell
// a closed port from a filtered one or from a service that does not speak HTTP.

export interface OutboundRequest {
  url: string;
  method: "GET" | "POST" | "PUT";
  headers?: Record<string, string>;
  body?: string;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface OutboundOptions {
  /** The team's allowlist, or a loader called before every request and redirect hop (so a removal takes effect at once). */
  allowlist: AllowedHost[] | (() => Promise<AllowedHost[]>);
  /** Any public host may be reached (webhooks); the allowlist then only grants private access. */
  anyPublicHost?: boolean;
  /** The instance-level switch for private targets (env BULWARK_OUTBOUND_ALLOW_PRIVATE). */
  instanceAllowsPrivate: boolean;
  /** Per attempt: connect, send, and read the whole response. */
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects?: number;
  /** Further attempts after the first, for retryable failures. */
  maxRetries?: number;
  retryBaseMs?: number;
  /** The longest Retry-After we honour; longer requests wait this long. */
  maxRetryAfterMs?: number;
  requestsPerSecond?: number;
  concurrency?: number;
  /** Header names (besides Authorization, Cookie) that carry secrets: dropped on a redirect to another origin. */
  secretHeaders?: string[];
  resolve?: Resolver;
  clock?: Clock;
}

export interface OutboundStats {
  /** HTTP requests sent, retries and redirect hops included. */
  requests: number;
  /** Attempts repeated after a retryable failure. */
  retries: number;
  /** Calls that succeeded. */
  succeeded: number;
  /** Calls that failed after their retries. */
  failed: number;
}

/** The system resolver, every address (A and AAAA). */
export const systemResolver: Resolver = async (host) => {
  const all = await dnsLookup(host, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
};

class RetryableStatus extends OutboundError {
  constructor(
    status: number,
    host: string,
    readonly retryAfterMs: number | null,
  ) {
    super("http_status", `${host} answered HTTP ${status}`, true, status);
  }
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class OutboundClient {
  readonly stats: OutboundStats = { requests: 0, retries: 0, succeeded: 0, failed: 0 };
  private readonly throttle: Throttle;
  private readonly clock: Clock;
  private readonly resolve: Resolver;
  // Keep-alive pools per client (one client per endpoint and run). A pooled socket was opened to an
  // address checked when it was opened.
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly o: Required<Omit<OutboundOptions, "resolve" | "clock" | "allowlist" | "anyPublicHost" | "instanceAllowsPrivate">>;
  private readonly rules: () => Promise<TargetRules>;

  constructor(options: OutboundOptions) {
    this.o = {
      maxRedirects: 3,
      maxRetries: 3,
      retryBaseMs: 250,
      maxRetryAfterMs: 30_000,
      requestsPerSecond: 10,
      concurrency: 4,
      secretHeaders: [],
      ...options,
    };
    const { allowlist, anyPublicHost = false, instanceAllowsPrivate } = options;
    this.rules = async () => ({ allowlist: typeof allowlist === "function" ? await allowlist() : allowlist, anyPublicHost, instanceAllowsPrivate });
    this.clock = options.clock ?? realClock;
    this.resolve = options.resolve ?? systemResolver;
    this.throttle = new Throttle(this.o.requestsPerSecond, this.o.concurrency, this.clock);
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: this.o.concurrency }),
      https: new https.Agent({ keepAlive: true, maxSockets: this.o.concurrency }),
    };
  }

  /** Sends a request with redirects and retries; resolves with a 2xx response, throws OutboundError otherwise. */
  async request(req: OutboundRequest): Promise<OutboundResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.followRedirects(req);
        this.stats.succeeded++;
        return res;
      } catch (e) {
        const err = e instanceof OutboundError ? e : new OutboundError("network", "The request failed.", true);
        if (!err.retryable || attempt >= this.o.maxRetries) {
          this.stats.failed++;
          if (attempt > 0) err.message = `${err.message.replace(/\.$/, "")} (after ${attempt + 1} attempts).`;
          throw err;
        }
        this.stats.retries++;
        const backoff = this.o.retryBaseMs * 2 ** attempt * (1 + Math.random() * 0.5);
        const asked = err instanceof RetryableStatus ? err.retryAfterMs : null;
        await this.clock.sleep(Math.min(asked ?? backoff, this.o.maxRetryAfterMs));
      }
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async followRedirects(req: OutboundRequest): Promise<OutboundResponse> {
    let url = parseOutboundUrl(req.url);
    let { method, body } = req;
    let headers = { ...(req.headers ?? {}) };
    for (let hop = 0; ; hop++) {
      // Checked inside the throttle slot, right before sending: a request that waited for its turn is judged
      // by the allowlist and DNS as they are when it goes out, not as they were when it was queued.
      const { target, res } = await this.throttle.run(async () => {
        const t = await checkTarget(url, await this.rules(), this.resolve);
        return { target: t, res: await this.sendOnce(t, method, headers, body) };
      });
      if (res.status < 300 || res.status >= 400 || res.status === 304) {
        if (res.status >= 200 && res.status < 300) return res;
        if (res.status === 429 || res.status === 408 || res.status >= 500) {
          const ra = res.headers["retry-after"];
          throw new RetryableStatus(res.status, target.host, parseRetryAfter(Array.isArray(ra) ? ra[0] : ra, this.clock.now()));
        }
        throw new OutboundError("http_status", `${target.host} answered HTTP ${res.status}.`, false, res.status);
      }
      const location = res.headers.location;
      if (!location) throw new OutboundError("http_status", `${target.host} answered HTTP ${res.status} without a Location.`, false, res.status);
      if (this.o.maxRedirects === 0) {
        throw new OutboundError("too_many_redirects", `${target.host} answered with a redirect (HTTP ${res.status}), which this call does not follow.`, false, res.status);
      }
      if (hop >= this.o.maxRedirects) {
        throw new OutboundError("too_many_redirects", `More than ${this.o.maxRedirects} redirects (last from ${target.host}).`);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new OutboundError("bad_url", `${target.host} redirected to an invalid URL.`);
      }
      next = parseOutboundUrl(next.toString());
      if (next.origin !== url.origin) headers = this.withoutSecrets(headers);
      // 303 always, and 301/302 after a POST, become a GET without a body (as browsers do).
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method !== "GET")) {
        method = "GET";
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length)$/i.test(k)));
      }
      url = next;
    }
  }

  private withoutSecrets(headers: Record<string, string>): Record<string, string> {
    const secret = new Set(["authorization", "cookie", "proxy-authorization", ...this.o.secretHeaders.map((h) => h.toLowerCase())]);
    return Object.fromEntries(Object.entries(headers).filter(([k]) => !secret.has(k.toLowerCase())));
  }

  private sendOnce(target: CheckedTarget, method: string, headers: Record<string, string>, body: string | undefined): Promise<OutboundResponse> {
    this.stats.requests++;
    const secure = target.url.protocol === "https:";
    // Connect to the checked address whatever the resolver would say now (no DNS rebinding).
    const pinned = ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
      if (opts?.all) cb(null, [{ address: target.address, family: target.family }]);
      else cb(null, target.address, target.family);
    }) as unknown as LookupFunction;
    const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
    const where = `${target.host}:${target.port}`;
    const couldNotConnect = (code: "network" | "timeout") => new OutboundError(code, `Could not connect to ${where}.`, true);
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      // Until response headers arrive, every failure reads the same (refused, reset, unreachable, TLS,
      // not HTTP, silent): the answer must not reveal what listens on the port.
      let answered = false;
      const fail = (e: OutboundError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.destroy();
        reject(e);
      };
      const r = (secure ? https : http).request(
        {
          protocol: target.url.protocol,
          hostname: target.host,
          port: target.port,
          path: `${target.url.pathname}${target.url.search}`,
          method,
          headers: payload ? { ...headers, "content-length": String(payload.length) } : headers,
          lookup: pinned,
          agent: secure ? this.agents.https : this.agents.http,
          servername: secure ? target.host : undefined,
        },
        (res) => {
          answered = true;
          const declared = Number(res.headers["content-length"]);
          if (declared > this.o.maxResponseBytes) {
            return fail(new OutboundError("too_large", `${target.host} sent a response of ${declared} bytes, over the limit of ${this.o.maxResponseBytes}.`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > this.o.maxResponseBytes) fail(new OutboundError("too_large", `${target.host} sent more than ${this.o.maxResponseBytes} bytes.`));
            else chunks.push(c);
          });
          res.on("end", () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on("error", () => fail(new OutboundError("network", `The connection to ${target.host} broke while reading the response.`, true)));
        },
      );
      const timer = setTimeout(() => {
        fail(answered ? new OutboundError("timeout", `${target.host} did not finish its answer within ${this.o.timeoutMs} ms.`, true) : couldNotConnect("timeout"));
      }, this.o.timeoutMs);
      r.on("error", () => {
        fail(answered ? new OutboundError("network", `The connection to ${target.host} broke while reading the response.`, true) : couldNotConnect("network"));
      });
      if (payload) r.write(payload);
      r.end();
    });
  }
}
