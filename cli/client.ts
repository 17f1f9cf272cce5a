import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { randomBytes } from "node:crypto";
import type { CliConfig } from "./config";

// A small REST API v1 client: bearer token, problem+json errors turned into one readable message,
// a multipart upload streamed from disk with a byte-level progress callback.

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly errors?: Record<string, string>) {
    super(message);
  }
}

export class Client {
  constructor(private readonly c: CliConfig) {}

  private url(path: string, query: Record<string, string | undefined> = {}) {
    const u = new URL(`${this.c.url}/api/v1${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  }

  async request(method: string, path: string, opts: { query?: Record<string, string | undefined>; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.c.token}`, ...opts.headers };
    let body = opts.body;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), { method, headers, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
    } catch (e) {
      throw new ApiError(`Cannot reach Bulwark at ${this.c.url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`, 0);
    }
    if (!res.ok) {
      let detail = `${res.status} ${res.statusText}`;
      let errors: Record<string, string> | undefined;
      try {
        const p = (await res.json()) as { title?: string; detail?: string; errors?: Record<string, string> };
        detail = p.detail ?? p.title ?? detail;
        errors = p.errors;
      } catch {
        // not problem+json
      }
      throw new ApiError(detail, res.status, errors);
    }
    return res;
  }

  async get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return (await this.request("GET", path, { query })).json() as Promise<T>;
  }

  async post<T>(path: string, json?: unknown): Promise<T> {
    return (await this.request("POST", path, { json: json ?? {} })).json() as Promise<T>;
  }

  /** multipart/form-data built by hand so the file bytes stream from disk and progress is exact. */
  async upload<T>(path: string, fields: Record<string, string>, files: string[], onProgress: (sent: number, total: number) => void): Promise<T> {
    const boundary = `----bulwark${randomBytes(12).toString("hex")}`;
    const enc = new TextEncoder();
    const esc = (s: string) => s.replace(/["\\\r\n]/g, (c) => `\\${c}`);
    const fieldParts = Object.entries(fields).map(([k, v]) => enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"\r\n\r\n${v}\r\n`));
    const fileHeads = files.map((f) => enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${esc(basename(f))}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    const tail = enc.encode(`--${boundary}--\r\n`);
    const sizes = files.map((f) => statSync(f).size);
    const total = fieldParts.reduce((n, p) => n + p.length, 0) + fileHeads.reduce((n, p, i) => n + p.length + sizes[i]! + 2, 0) + tail.length;
    let sent = 0;
    async function* parts() {
      for (const p of fieldParts) yield p;
      for (let i = 0; i < files.length; i++) {
        yield fileHeads[i]!;
        for await (const chunk of createReadStream(files[i]!, { highWaterMark: 256 * 1024 })) yield chunk as Uint8Array;
        yield enc.encode("\r\n");
      }
      yield tail;
    }
    const it = parts();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { value, done } = await it.next();
        if (done) return controller.close();
        sent += value.length;
        onProgress(sent, total);
        controller.enqueue(value);
      },
    });
    const res = await this.request("POST", path, { body: stream, headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(total) } });
    return res.json() as Promise<T>;
  }
}
