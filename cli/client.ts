import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import { randomBytes } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./api-types";
import type { CliConfig } from "./config";

// The CLI's REST API v1 client: openapi-fetch on the types openapi-typescript generates from the served
// OpenAPI document (cli/api-types.ts), so every request and answer is checked against the contract at
// compile time. Problem details become one readable ApiError; an unreachable server or one that does not
// answer like Bulwark (a wrong BULWARK_URL) too, never a stack trace.

export type Schemas = components["schemas"];

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly errors?: Record<string, string>) {
    super(message);
  }
}

/** What Bulwark's API answers; anything else comes from another server (an HTML page, a proxy's error). */
const API_TYPES = new Set(["application/json", "application/problem+json", "application/pdf", "text/csv"]);

function checkedFetch(base: string) {
  return async (req: Request): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(req);
    } catch (e) {
      throw new ApiError(`Cannot reach Bulwark at ${base}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}.`, 0);
    }
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!API_TYPES.has(type)) {
      throw new ApiError(`${base} does not answer like Bulwark: ${req.method} ${new URL(req.url).pathname} gave ${res.status} with ${type || "no content type"} instead of the API's JSON. Check BULWARK_URL (the address of the Bulwark web app, without /api/v1).`, res.status);
    }
    return res;
  };
}

export type Api = ReturnType<typeof apiClient>;

export function apiClient(c: CliConfig) {
  return createClient<paths>({ baseUrl: `${c.url}/api/v1`, headers: { authorization: `Bearer ${c.token}` }, fetch: checkedFetch(c.url) });
}

type Result<T> = { data: T; error?: never; response: Response } | { data?: never; error: Schemas["Problem"]; response: Response };

/** The answer of a successful call, or the server's problem details thrown as an ApiError. */
export function ok<T>(r: Result<T>): T {
  if (r.error !== undefined) throw new ApiError(r.error.detail || `${r.response.status} ${r.error.title}`, r.response.status, r.error.errors);
  return r.data;
}

/**
 * Uploads a model version: multipart/form-data built by hand so the file bytes stream from disk and the
 * progress is exact. The body's fields are the operation's (typed by the spec); the files are paths on disk.
 */
export async function uploadModelVersion(api: Api, name: string, fields: Omit<paths["/models/{name}/versions"]["post"]["requestBody"]["content"]["multipart/form-data"], "files">, files: string[], onProgress: (sent: number, total: number) => void) {
  const boundary = `----bulwark${randomBytes(12).toString("hex")}`;
  const enc = new TextEncoder();
  const esc = (s: string) => s.replace(/["\\\r\n]/g, (c) => `\\${c}`);
  const fieldParts = Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"\r\n\r\n${v}\r\n`)]));
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
  return ok(
    await api.POST("/models/{name}/versions", {
      params: { path: { name } },
      body: { ...fields, files },
      bodySerializer: () => stream,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(total) },
      duplex: "half",
    }),
  );
}
