import { canonicalJson, sha256Hex } from "../audit/chain";
import type { ReportSnapshot } from "./schemas";

// The integrity of a report: SHA-256 of the snapshot's canonical JSON (keys sorted at every level), the
// same canonical form the audit chain hashes. The stored snapshot text is exactly this JSON.

export function snapshotText(s: ReportSnapshot): string {
  return canonicalJson(s);
}

export function snapshotSha256(s: ReportSnapshot): string {
  return sha256Hex(snapshotText(s));
}

export { sha256Hex };
