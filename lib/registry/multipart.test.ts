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
});
