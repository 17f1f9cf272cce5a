import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll } from "vitest";
import { DIGIT_LABELS } from "../lib/demo/mnist";
import { loadModelFromFiles, type LoadedModel } from "../lib/engine/model";

// A local HTTP server that serves a model the way a vendor would (started by the tests, on loopback).
//   POST /v1/scores  {"instances": [x, ...]}     -> {"predictions": [[p0..pK], ...]}   (softmax scores)
//   POST /v1/label   {"instances": [x, ...]}     -> {"labels": ["3", ...]}             (label only, class names)
//   POST /v1/flaky   like /v1/scores, but of every 4 requests one answers 500, one 429 (Retry-After: 0),
//                    one never answers (a client timeout), and one answers: retries and budgets are proven on it.
//   GET  /redirect?to=<url>                       -> 302 to <url>
// With a token, every /v1 request must carry `Authorization: Bearer <token>` (else 401).

export interface ModelServer {
  url: string;
  port: number;
  /** Requests received per path (attempts, retries included). */
  hits: Record<string, number>;
  /** Inputs classified (examples in answered requests). */
  examplesAnswered: number;
  /** Authorization headers seen (to prove the credential arrives and goes nowhere else). */
  authSeen: string[];
  close(): Promise<void>;
}

/** Loads a demo model folder (demo/models/<dir>) as the engine would. */
export async function loadDemoModel(dir: string): Promise<LoadedModel> {
  const folder = join(process.cwd(), "demo", "models", dir);
  const modelJson = readFileSync(join(folder, "model.json"));
  const manifest = JSON.parse(modelJson.toString("utf8")) as { weightsManifest: { paths: string[] }[] };
  const weights = Object.fromEntries(manifest.weightsManifest.flatMap((g) => g.paths).map((p) => [p, new Uint8Array(readFileSync(join(folder, p)))]));
  return loadModelFromFiles({ modelJson, weights });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startModelServer(model: LoadedModel, opts: { token?: string; classLabels: string[] }): Promise<ModelServer> {
  const state = { hits: {} as Record<string, number>, examplesAnswered: 0, authSeen: [] as string[] };
  let flakyCount = 0;
  const hanging = new Set<import("node:http").ServerResponse>();

  // The instances as one flat tensor of [n, ...inputShape], or "bad shape". Read here rather than by tf.tensor on
  // the nested arrays: that cost as much CPU as the model in the black-box test (one batch of up to 30 digits per Square step).
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  const toTensor = (instances: unknown): tf.Tensor => {
    if (!Array.isArray(instances) || instances.length === 0) throw new Error("bad shape");
    const values = new Float32Array(instances.length * size);
    let k = 0;
    const walk = (v: unknown, dim: number): void => {
      if (dim === model.inputShape.length) {
        if (typeof v !== "number") throw new Error("bad shape");
        values[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== model.inputShape[dim]) throw new Error("bad shape");
      for (const e of v) walk(e, dim + 1);
    };
    for (const e of instances) walk(e, 0);
    return tf.tensor(values, [instances.length, ...model.inputShape]);
  };

  const classify = (instances: unknown): number[][] => {
    const x = toTensor(instances);
    try {
      const p = model.predictProbs(x);
      const out = p.arraySync() as number[][];
      p.dispose();
      return out;
    } finally {
      x.dispose();
    }
  };

  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    state.hits[path] = (state.hits[path] ?? 0) + 1;
    if (path === "/redirect") {
      const to = new URL(req.url ?? "/", "http://x").searchParams.get("to") ?? "/";
      res.writeHead(302, { location: to }).end();
      return;
    }
    if (!path.startsWith("/v1/")) return void res.writeHead(404).end();
    state.authSeen.push(req.headers.authorization ?? "");
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
    if (path === "/v1/flaky") {
      const turn = flakyCount++ % 4;
      if (turn === 0) return void res.writeHead(500).end("internal error");
      if (turn === 1) return void res.writeHead(429, { "retry-after": "0" }).end();
      if (turn === 2) {
        hanging.add(res);
        return; // never answers: the client's timeout fires
      }
    }
    let instances: unknown;
    try {
      instances = (JSON.parse(await readBody(req)) as { instances?: unknown }).instances;
      const probs = classify(instances);
      state.examplesAnswered += probs.length;
      const body =
        path === "/v1/label"
          ? { labels: probs.map((p) => opts.classLabels[p.indexOf(Math.max(...p))]) }
          : { predictions: probs };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"expected {\\"instances\\": [...]} of the model input shape"}');
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    get hits() {
      return state.hits;
    },
    get examplesAnswered() {
      return state.examplesAnswered;
    },
    get authSeen() {
      return state.authSeen;
    },
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * For a test file: the demo CNN v1 served (every /v1 request needing `token`) from before its tests to after
 * them. Read the fields inside the tests (they exist once the server is up).
 */
export function useDemoModelServer(token: string): ModelServer {
  let model: LoadedModel | undefined;
  let server: ModelServer | undefined;
  const started = (): ModelServer => {
    if (!server) throw new Error("The demo model server is not started yet: read it inside a test or a later hook.");
    return server;
  };
  beforeAll(async () => {
    model = await loadDemoModel("digits-cnn-v1");
    server = await startModelServer(model, { token, classLabels: DIGIT_LABELS });
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    model?.dispose();
  });
  return {
    get url() { return started().url; },
    get port() { return started().port; },
    get hits() { return started().hits; },
    get examplesAnswered() { return started().examplesAnswered; },
    get authSeen() { return started().authSeen; },
    close: () => started().close(),
  };
}
