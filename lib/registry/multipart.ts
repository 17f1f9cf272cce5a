import { shown, UploadRefused } from "./limits";
import type { Staging, StagedFile } from "./staging";
import { ValidationError } from "../errors";
import { nameControlCharacterIn } from "../security/control-chars";

// A streaming multipart/form-data reader: file parts go straight to the staging folder as they
// arrive (the size limit is enforced on every chunk), so a 200 MB upload never sits in memory.
// Text fields are kept (at most 1 MB each, 500 in all).

const MAX_FIELD_BYTES = 1024 * 1024;
const MAX_PARTS = 500;
const MAX_HEADER_BYTES = 16 * 1024;

export function boundaryOf(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return null;
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const b = (m?.[1] ?? m?.[2])?.trim();
  return b && b.length <= 200 ? b : null;
}

/** Longest file name accepted (bytes of one path segment, as on every common file system). */
export const MAX_FILE_NAME_BYTES = 255;

/** Why a file name sent by the browser or a script cannot be used, or null. */
export function uploadedNameProblem(name: string): string | null {
  const quoted = `"${shown(name)}"`;
  if (nameControlCharacterIn(name)) return `The file name ${quoted} contains control characters (a line break, tab or similar); rename the file.`;
  const segments = name.replace(/\\/g, "/").split("/");
  if (segments.some((seg) => seg === "." || seg === "..")) return `The file name ${quoted} is not a usable file name ("." and ".." name folders); rename the file.`;
  const long = segments.find((seg) => Buffer.byteLength(seg) > MAX_FILE_NAME_BYTES);
  if (long !== undefined) return `The file name ${quoted} is longer than ${MAX_FILE_NAME_BYTES} bytes, the limit for a file name; rename the file.`;
  if (name.length > 1024) return `The file path ${quoted} is longer than 1,024 characters; upload the files with shorter names.`;
  return null;
}

function parseHeaders(raw: string): { name?: string; filename?: string; extendedFilename?: boolean } {
  const out: { name?: string; filename?: string; extendedFilename?: boolean } = {};
  for (const line of raw.split("\r\n")) {
    const [k, ...rest] = line.split(":");
    if (k.trim().toLowerCase() !== "content-disposition") continue;
    const v = rest.join(":");
    const name = /\bname="((?:[^"\\]|\\.)*)"/i.exec(v);
    const filename = /\bfilename="((?:[^"\\]|\\.)*)"/i.exec(v);
    if (name) out.name = name[1].replace(/\\(.)/g, "$1");
    if (filename) out.filename = filename[1].replace(/\\(.)/g, "$1");
    if (/\bfilename\*\s*=/i.test(v)) out.extendedFilename = true;
  }
  return out;
}

export async function readMultipart(body: AsyncIterable<Uint8Array>, boundary: string, staging: Staging, fileField = "files"): Promise<{ fields: Record<string, string>; files: StagedFile[] }> {
  const delim = Buffer.from(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  const files: StagedFile[] = [];
  type Sink = { kind: "file"; f: Awaited<ReturnType<Staging["openFile"]>>; named: boolean } | { kind: "field"; name: string; chunks: Buffer[]; size: number } | { kind: "skip" };
  let state: "preamble" | "after" | "headers" | "body" | "done" = "preamble";
  let buf: Buffer = Buffer.from("\r\n"); // so the first delimiter matches like the others
  let sink: Sink = { kind: "skip" };
  let parts = 0;

  const write = async (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (sink.kind === "file") await sink.f.write(chunk);
    else if (sink.kind === "field") {
      sink.size += chunk.length;
      if (sink.size > MAX_FIELD_BYTES) throw new ValidationError(`The form field "${sink.name}" is too long.`);
      sink.chunks.push(chunk);
    }
  };
  const finish = async () => {
    if (sink.kind === "file") {
      const f = await sink.f.close();
      // A browser sends an empty part with no name for a file input left empty; an empty file the
      // user chose is kept, so the check that refuses it can name it.
      if (f.size > 0 || sink.named) files.push(f);
    } else if (sink.kind === "field") fields[sink.name] = Buffer.concat(sink.chunks).toString("utf8").replace(/\r\n/g, "\n"); // forms send CRLF line breaks
    sink = { kind: "skip" };
  };

  try {
    for await (const piece of body) {
      buf = buf.length ? Buffer.concat([buf, Buffer.from(piece)]) : Buffer.from(piece);
      for (;;) {
        if (state === "preamble") {
          const i = buf.indexOf(delim);
          if (i < 0) {
            buf = buf.subarray(Math.max(0, buf.length - delim.length));
            break;
          }
          buf = buf.subarray(i + delim.length);
          state = "after";
        } else if (state === "after") {
          if (buf.length < 2) break;
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            state = "done";
            break;
          }
          // Transport padding then CRLF.
          const nl = buf.indexOf("\r\n");
          if (nl < 0) break;
          buf = buf.subarray(nl + 2);
          state = "headers";
        } else if (state === "headers") {
          const end = buf.indexOf("\r\n\r\n");
          if (end < 0) {
            if (buf.length > MAX_HEADER_BYTES) throw new ValidationError("The upload is malformed (part headers too long).");
            break;
          }
          if (++parts > MAX_PARTS) throw new ValidationError("The upload has too many parts.");
          const h = parseHeaders(buf.subarray(0, end).toString("utf8"));
          buf = buf.subarray(end + 4);
          if (h.name === fileField && h.extendedFilename && h.filename === undefined) {
            throw new UploadRefused(
              fileField,
              `A file part gives its name only as filename* (RFC 5987 encoding), which multipart/form-data does not use (RFC 7578 §4.2): send the name as filename="…" in UTF-8.`,
            );
          }
          if (h.filename !== undefined && h.name === fileField) {
            const bad = h.filename === "" ? null : uploadedNameProblem(h.filename);
            if (bad) throw new UploadRefused(fileField, bad);
            sink = { kind: "file", f: await staging.openFile(h.filename || "upload"), named: h.filename !== "" };
          }
          else if (h.filename === undefined && h.name && h.name !== fileField) sink = { kind: "field", name: h.name, chunks: [], size: 0 };
          else sink = { kind: "skip" };
          state = "body";
        } else if (state === "body") {
          const i = buf.indexOf(delim);
          if (i >= 0) {
            await write(buf.subarray(0, i));
            await finish();
            buf = buf.subarray(i + delim.length);
            state = "after";
          } else {
            const keep = delim.length - 1;
            if (buf.length > keep) {
              await write(buf.subarray(0, buf.length - keep));
              buf = buf.subarray(buf.length - keep);
            }
            break;
          }
        } else break;
      }
      if (state === "done") break;
    }
  } catch (e) {
    if (sink.kind === "file") await sink.f.abort();
    throw e;
  }
  if (state !== "done") {
    if (sink.kind === "file") await sink.f.abort();
    throw new UploadRefused("files", "The upload ended before it was complete (connection interrupted?). Nothing was stored; try again.");
  }
  return { fields, files };
}
