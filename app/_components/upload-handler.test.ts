import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { useTempStore } from "@/lib/registry/test-helpers";
import { withStagedUpload } from "./upload-handler";

// The multipart part of every upload route (web forms and REST API): hostile file names answer 400
// with the reason, never a server error, and leave no staging folder behind.

describe("upload bodies with hostile file names", () => {
  const { dir } = useTempStore();
  const request = (disposition: string) =>
    new Request("http://bulwark.test/upload", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=B" },
      body: `--B\r\nContent-Disposition: form-data; ${disposition}\r\n\r\nPK\u0005\u0006${"\0".repeat(18)}\r\n--B--\r\n`,
    });

  it("answers 400 naming the problem for 300- and 5,000-character names, CR/LF and filename*", async () => {
    const cases: [string, RegExp][] = [
      [`name="files"; filename="${"a".repeat(300)}.zip"`, /is longer than 255 bytes, the limit for a file name/],
      [`name="files"; filename="${"a".repeat(5000)}.zip"`, /is longer than 255 bytes, the limit for a file name/],
      [`name="files"; filename="x\ny.zip"`, /contains control characters/],
      [`name="files"; filename*=UTF-8''x.zip`, /filename\* \(RFC 5987 encoding\)/],
    ];
    for (const [disposition, message] of cases) {
      const e = await withStagedUpload(request(disposition), async () => "stored").then(() => null, (x: unknown) => x);
      expect(e, disposition.slice(0, 40)).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(400);
      expect((e as AppError).message).toMatch(message);
      expect((e as AppError).message.length).toBeLessThan(300);
      expect(await readdir(`${dir}/tmp/uploads`)).toEqual([]);
    }
  });
});
