import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractZipSafely, readZipDirectory } from "./archive";
import { Staging } from "./staging";
import { makeRawZip, makeZip, useTempStore } from "./test-helpers";

// Hostile archives, generated here, against the archive reader alone (no database): each refused with
// a message naming the entry, or read completely.

const limits = { maxTotalBytes: 200 * 1024 * 1024, maxFiles: 100_000, maxCompressionRatio: 200, maxInputValues: 3 * 1024 * 1024 };
useTempStore();

async function extract(zip: Buffer) {
  const staging = await Staging.create(limits.maxTotalBytes);
  try {
    const path = join(staging.dir, "upload.zip");
    await writeFile(path, zip);
    const dest = await staging.subdir("unzipped");
    const r = await extractZipSafely(path, dest, limits, "upload.zip");
    return { ...r, onDisk: (await readdir(dest, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length };
  } finally {
    await staging.dispose();
  }
}
const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error("the archive should have been refused"); }, (e: Error) => e.message);

describe("zip archives", () => {
  it("reads the table of contents of a ZIP64 archive of 100,000 entries completely (the 16-bit count says 65,535)", async () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ name: `${i % 10}/${String(i).padStart(6, "0")}.png`, data: Buffer.from([i & 0xff]) }));
    const staging = await Staging.create(limits.maxTotalBytes);
    try {
      const path = join(staging.dir, "upload.zip");
      await writeFile(path, makeRawZip(entries, { zip64: true }));
      const t0 = Date.now();
      const dir = await readZipDirectory(path, limits, "upload.zip");
      await dir.close();
      console.log(`table of contents of 100,000 entries read and checked in ${Date.now() - t0} ms`);
      expect(dir.plan).toHaveLength(100_000);
      // Every class is there: nothing past entry 65,535 is dropped.
      const perClass: Record<string, number> = {};
      for (const p of dir.plan) perClass[p.name.split("/")[0]] = (perClass[p.name.split("/")[0]] ?? 0) + 1;
      expect(perClass).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), 10_000])));
    } finally {
      await staging.dispose();
    }
  }, 60_000);

  it("extracts a ZIP64 archive", async () => {
    const r = await extract(makeRawZip([{ name: "a/1.txt", data: Buffer.from("one") }, { name: "b/2.txt", data: Buffer.from("two") }], { zip64: true }));
    expect(r.files.map((f) => [f.name, f.size])).toEqual([["a/1.txt", 3], ["b/2.txt", 3]]);
    expect(r.onDisk).toBe(2);
  });

  it("refuses an archive whose end record caps the count at 65,535 (no ZIP64 record) instead of reading part of it, quickly", async () => {
    const entries = Array.from({ length: 65_540 }, (_, i) => ({ name: `${i % 10}/${i}.png`, data: Buffer.from([1]) }));
    const zip = makeRawZip(entries, { zip64: false });
    const msg = await refusal(extract(zip));
    expect(msg).toBe("upload.zip: its end record counts 65,535 entries, but its central directory holds 65,540 (an archive of more than 65,535 files written without ZIP64?). Refused rather than read in part; re-create it with a ZIP64-capable tool (zip 3, 7-Zip, Python's zipfile)");
  });

  it("refuses an entry whose CRC-32 is wrong, naming it", async () => {
    const msg = await refusal(extract(makeRawZip([{ name: "a/1.txt", data: Buffer.from("fine") }, { name: "b/2.txt", data: Buffer.from("hello"), crc: 0x12345678 }])));
    expect(msg).toBe("upload.zip: entry \"b/2.txt\" is corrupt: its CRC-32 is 0x3610a686 but the archive records 0x12345678");
  });

  it("refuses newline, tab and ESC in names without the UTF-8 flag, and escapes them in the message", async () => {
    for (const [raw, escaped] of [["a/x\ny.txt", "a/x◙y.txt"], ["a/x\ty.txt", "a/x○y.txt"], ["a/x\u001by.txt", "a/x←y.txt"]]) {
      const msg = await refusal(extract(makeRawZip([{ name: Buffer.from(raw, "latin1"), data: Buffer.from("x"), utf8: false }])));
      expect(msg).toContain(`entry "${escaped}" has control characters in its name (byte 0x${raw.charCodeAt(3).toString(16).padStart(2, "0")})`);
    }
    const msg = await refusal(extract(makeRawZip([{ name: "a/x\ny\u001b.txt", data: Buffer.from("x") }])));
    expect(msg).toContain('entry "a/x\\ny\\u001b.txt" has control characters');
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(msg).not.toMatch(/[\u0000-\u001f]/);
  });

  it("cuts long entry names in messages", async () => {
    const long = "a/" + "x".repeat(5000) + "\n.txt";
    const msg = await refusal(extract(makeRawZip([{ name: long, data: Buffer.from("x") }])));
    expect(msg.length).toBeLessThan(300);
    expect(msg).toContain("(5,007 characters)");
  });

  it("refuses '.' path segments and names a zero-length table as damaged, without the server's paths", async () => {
    expect(await refusal(extract(makeRawZip([{ name: "a/./b.txt", data: Buffer.from("x") }])))).toMatch(/entry "a\/\.\/b\.txt" has a "\." path segment/);
    expect(await refusal(extract(makeRawZip([{ name: "a/.", data: Buffer.from("x") }])))).toMatch(/entry "a\/\." has a "\." path segment/);
    const msg = await refusal(extract(Buffer.from("PK\u0003\u0004 not really a zip")));
    expect(msg).toMatch(/^upload\.zip: is not a readable zip archive/);
    expect(msg).not.toMatch(/\/tmp|bulwark-registry/);
  });

  it("still reads an honest deflated archive", async () => {
    const r = await extract(await makeZip([{ name: "a/1.txt", data: Buffer.alloc(10_000, 7) }, { name: "b/2.txt", data: Buffer.from("hi") }]));
    expect(r.files.map((f) => [f.name, f.size])).toEqual([["a/1.txt", 10_000], ["b/2.txt", 2]]);
  });
});
