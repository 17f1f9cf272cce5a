import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

// A real S3-protocol server (s3rver: signatures, buckets, multipart, XML errors) on a free loopback port,
// storing under a temporary folder; started and stopped by the test file that uses it. Every request is
// recorded (method, path, query) so tests can see what the client did on the wire.

// s3rver refuses an unknown access key id (403 InvalidAccessKeyId) but does not compute SigV4 signatures,
// so a wrong secret with a known id is accepted: permission errors are tested with an unknown id.
const { DUMMY_ACCOUNT } = createRequire(import.meta.url)("s3rver/lib/models/account") as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };

export async function startS3(buckets: string[] = ["bulwark"]) {
  // A key pair of our own, with a secret distinctive enough to search every log for.
  const credentials = { accessKeyId: `BULWARKTEST${randomBytes(4).toString("hex").toUpperCase()}`, secretAccessKey: `s3-secret-${randomBytes(12).toString("hex")}` };
  DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const directory = mkdtempSync(join(tmpdir(), "bulwark-s3rver-"));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const requests: { method: string; path: string; query: URLSearchParams; headers: Record<string, string | string[] | undefined> }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://s3");
    requests.push({ method: req.method ?? "", path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    endpoint,
    directory,
    credentials,
    requests,
    /** The worker/web environment for this server and bucket. */
    env: (bucket = buckets[0]!): Record<string, string> => ({
      BULWARK_S3_ENDPOINT: endpoint,
      BULWARK_S3_BUCKET: bucket,
      BULWARK_S3_REGION: "us-east-1",
      BULWARK_S3_ACCESS_KEY_ID: credentials.accessKeyId,
      BULWARK_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
