import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { boundaryOf, readMultipart } from "./multipart";
import { Staging } from "./staging";
import { useTempStore } from "./test-helpers";

async function body(form: FormData) {
  const req = new Request("http://x/", { method: "POST", body: form });
  const bytes = Buffer.from(await req.arrayBuffer());
  return { bytes, boundary: boundaryOf(req.headers.get("content-type"))! };
}
async function* chunks(b: Buffer, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe("streaming multipart reader", () => {
  useTempStore();
  it("reads fields and files byte-exactly whatever the chunking", async () => {
    const bin = randomBytes(70_000);
    // Content that contains CRLFs and dashes near the boundary is the classic trap.
    const tricky = Buffer.concat([Buffer.from("\r\n--\r\n-"), bin, Buffer.from("\r\n")]);
    const form = new FormData();
    form.set("name", "digits ✓");
    form.set("classLabels", "a,\nb");
    form.append("files", new File([tricky], "model.json"));
    form.append("files", new File([bin], "weights/group1.bin"));
    form.append("files", new File([], ""));
    const { bytes, boundary } = await body(form);
    for (const size of [1, 7, 64, 4096, bytes.length]) {
      const s = await Staging.create(10_000_000);
      const r = await readMultipart(chunks(bytes, size), boundary, s);
      expect(r.fields).toEqual({ name: "digits ✓", classLabels: "a,\nb" });
      expect(r.files.map((f) => [f.name, f.size])).toEqual([
        ["model.json", tricky.length],
        ["weights/group1.bin", bin.length],
      ]);
      expect((await readFile(r.files[0].path)).equals(tricky)).toBe(true);
      expect((await readFile(r.files[1].path)).equals(bin)).toBe(true);
      await s.dispose();
    }
  });

  it("stops at the size limit and on a truncated body", async () => {
    const form = new FormData();
    form.append("files", new File([randomBytes(5000)], "big.bin"));
    const { bytes, boundary } = await body(form);
    const s = await Staging.create(1000);
    await expect(readMultipart(chunks(bytes, 512), boundary, s)).rejects.toThrow(/larger than the limit/);
    const s2 = await Staging.create(1_000_000);
    await expect(readMultipart(chunks(bytes.subarray(0, 3000), 512), boundary, s2)).rejects.toThrow(/ended before it was complete/);
    await s.dispose();
    await s2.dispose();
  });

  it("refuses unusable file names with a message naming the problem; never a server error", async () => {
    const raw = (disposition: string, content = "data") =>
      Buffer.from(`--B\r\nContent-Disposition: form-data; ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--B--\r\n`);
    const cases: [string, RegExp][] = [
      [`name="files"; filename="${"n".repeat(300)}.png"`, /^The file name "n{79}… \(304 characters\)" is longer than 255 bytes, the limit for a file name; rename the file\.$/],
      [`name="files"; filename="${"n".repeat(5000)}.csv"`, /is longer than 255 bytes, the limit for a file name/],
      [`name="files"; filename="a\nb.png"`, /^The file name "a\\nb\.png" contains control characters/],
      [`name="files"; filename="a\rb.png"`, /^The file name "a\\rb\.png" contains control characters/],
      [`name="files"; filename*=UTF-8''caf%C3%A9.csv`, /gives its name only as filename\* \(RFC 5987 encoding\).*filename="…"/],
      [`name="files"; filename="."`, /^The file name "\." is not a usable file name/],
      [`name="files"; filename=".."`, /^The file name "\.\." is not a usable file name/],
    ];
    for (const [disposition, message] of cases) {
      const s = await Staging.create(1_000_000);
      const e = await readMultipart(chunks(raw(disposition), 100), "B", s).then(() => null, (x: Error & { status?: number; fieldErrors?: Record<string, string> }) => x);
      expect(e?.message, disposition.slice(0, 60)).toMatch(message);
      expect(e?.status).toBe(400);
      expect(e?.fieldErrors?.files).toBe(e?.message);
      expect(e!.message.length).toBeLessThan(400);
      await s.dispose();
    }
  });

  it("keeps a chosen empty file (so it can be named), drops the empty part of a file input left empty", async () => {
    const form = new FormData();
    form.append("files", new File([], "empty.zip"));
    form.append("files", new File([], ""));
    const { bytes, boundary } = await body(form);
    const s = await Staging.create(1_000_000);
    const r = await readMultipart(chunks(bytes, 64), boundary, s);
    expect(r.files.map((f) => [f.name, f.size])).toEqual([["empty.zip", 0]]);
    await s.dispose();
  });
});
