import { createHash } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blobKey, LocalArtifactStore, readVerified, sha256File } from "./store";
import { useTempStore } from "./test-helpers";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("local artifact store", () => {
  it("stores blobs once, read-only, under sha256/ab/cdef…, and verifies content", async () => {
    const { dir } = useTempStore();
    const store = new LocalArtifactStore(join(dir, "store"));
    const data = Buffer.from("hello bulwark");
    const src = join(dir, "src.bin");
    await writeFile(src, data);
    const digest = sha(data);
    expect(await sha256File(src)).toEqual({ sha256: digest, size: data.length });
    expect(blobKey(digest)).toBe(`sha256/${digest.slice(0, 2)}/${digest.slice(2)}`);
    expect(await store.put(digest, src)).toEqual({ created: true });
    expect(await store.put(digest, src)).toEqual({ created: false });
    const path = join(dir, "store", blobKey(digest));
    expect((await stat(path)).mode & 0o777).toBe(0o444);
    expect((await readVerified(digest, store)).equals(data)).toBe(true);
    // Bytes that do not match their digest are refused on the way in…
    await expect(store.put("0".repeat(64), src)).rejects.toThrow(/hashes to/);
    expect(await store.has("0".repeat(64))).toBe(false);
    // …and a blob changed behind the store's back is detected on the way out.
    await chmod(path, 0o644);
    await writeFile(path, "tampered");
    await expect(readVerified(digest, store)).rejects.toThrow(/corrupt in the store/);
    expect(() => blobKey("../etc/passwd")).toThrow(/not a SHA-256 digest/);
    expect((await readFile(src)).equals(data)).toBe(true);
  });
});
