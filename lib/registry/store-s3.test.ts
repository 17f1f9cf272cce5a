import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ArtifactStore, blobKey, setArtifactStore } from "./store";
import { cardFields, makeTfjsModel, stage, useTempStore } from "./test-helpers";
import { makeTeam } from "../../test/fixtures";
import { loadModelVersionForEngine, registerModelVersion } from "./models";
import { asLayersFiles } from "../engine/formats";
import { systemContext } from "../teams/context";

// No S3-compatible server can be installed here, so this exercises S3ArtifactStore (the real AWS SDK v3
// client, path-style, checksums) against a minimal in-process S3 endpoint that implements only
// HEAD/PUT/GET/DELETE of objects — enough to check the wire format the store relies on.

const objects = new Map<string, Buffer>();
const seen: { method: string; path: string; checksum?: string; contentEncoding?: string }[] = [];

/** Decodes the aws-chunked body encoding the SDK may use for streaming uploads. */
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const nl = raw.indexOf("\r\n", i);
    const size = parseInt(raw.subarray(i, nl).toString().split(";")[0], 16);
    if (!size) break;
    out.push(raw.subarray(nl + 2, nl + 2 + size));
    i = nl + 2 + size + 2;
  }
  return Buffer.concat(out);
}

let server: Server;
let endpoint = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = decodeURIComponent(new URL(req.url!, "http://x").pathname);
      seen.push({ method: req.method!, path: key, checksum: req.headers["x-amz-checksum-sha256"] as string | undefined, contentEncoding: req.headers["content-encoding"] as string | undefined });
      if (req.method === "PUT") {
        let body: Buffer = Buffer.concat(chunks);
        if (String(req.headers["content-encoding"] ?? "").includes("aws-chunked") || req.headers["x-amz-decoded-content-length"]) body = decodeAwsChunked(body);
        objects.set(key, body);
        res.writeHead(200, { ETag: '"x"' }).end();
      } else if (req.method === "HEAD" || req.method === "GET") {
        const o = objects.get(key);
        if (!o) return res.writeHead(404, { "Content-Type": "application/xml" }).end(req.method === "GET" ? "<Error><Code>NoSuchKey</Code></Error>" : undefined);
        res.writeHead(200, { "Content-Length": o.length, "Content-Type": "application/octet-stream" }).end(req.method === "GET" ? o : undefined);
      } else if (req.method === "DELETE") {
        objects.delete(key);
        res.writeHead(204).end();
      } else res.writeHead(405).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("S3 artifact store (AWS SDK v3) against a minimal S3 endpoint", () => {
  it("puts under bucket/prefix/sha256/ab/cdef… once, with a SHA-256 checksum, and reads back", async () => {
    const { dir } = useTempStore();
    const store = new S3ArtifactStore({ endpoint, bucket: "bulwark", region: "us-east-1", accessKeyId: "test", secretAccessKey: "test-secret", prefix: "artifacts/" });
    const data = Buffer.from("weights ".repeat(5000));
    const digest = createHash("sha256").update(data).digest("hex");
    const src = join(dir, "w.bin");
    await writeFile(src, data);
    expect(await store.has(digest)).toBe(false);
    expect(await store.put(digest, src)).toEqual({ created: true });
    expect(await store.put(digest, src)).toEqual({ created: false });
    const key = `/bulwark/artifacts/${blobKey(digest)}`;
    expect(objects.get(key)?.equals(data)).toBe(true);
    const put = seen.find((s) => s.method === "PUT");
    expect(put?.path).toBe(key);
    expect(put?.checksum).toBe(Buffer.from(digest, "hex").toString("base64"));
    expect((await store.read(digest)).equals(data)).toBe(true);
    await expect(store.put("0".repeat(64), src)).rejects.toThrow(/hashes to/);
    await store.remove(digest);
    expect(await store.has(digest)).toBe(false);
  });

  it("registers a model version into the bucket and gives the engine the same bytes back", async () => {
    useTempStore();
    const store = new S3ArtifactStore({ endpoint, bucket: "bulwark", region: "us-east-1", accessKeyId: "test", secretAccessKey: "test-secret" });
    setArtifactStore(store);
    try {
      const { ctx, team } = await makeTeam();
      const m = await makeTfjsModel();
      const { staging, files } = await stage([{ name: "model.json", data: m.modelJson }, { name: m.weightsName, data: m.weights }]);
      const r = await registerModelVersion(ctx("ENGINEER"), { name: "s3-model", card: cardFields(), files }, staging);
      await staging.dispose();
      const loaded = await loadModelVersionForEngine(systemContext(team.id, "job"), r.versionId);
      expect(Buffer.from(asLayersFiles(loaded.files).weights[m.weightsName]).equals(m.weights)).toBe(true);
      expect([...objects.keys()].some((k) => k.startsWith("/bulwark/sha256/"))).toBe(true);
    } finally {
      setArtifactStore(null);
    }
  });
});
