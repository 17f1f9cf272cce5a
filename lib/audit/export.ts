import { canonicalJson, eventHash, GENESIS_HASH, type ChainedEventFields, type ChainVerdict } from "./chain";

// The audit log taken out of Bulwark: JSON Lines (one header line, then one line per event with every
// hashed field and the hash) and CSV (one row per event). Both carry the chain head at export time.
// `verifyExport` is what `npm run audit:verify -- file.jsonl` runs, offline: it recomputes each event's
// hash from its fields and the links between consecutive events, and names the first event that fails.
// Pure: no database (the caller reads the events and the chain verdict).

export const EXPORT_SCHEMA = "bulwark.audit-export" as const;
export const EXPORT_VERSION = 1 as const;

export interface ExportedEvent extends ChainedEventFields {
  hash: string;
}

export interface ExportHeader {
  schema: typeof EXPORT_SCHEMA;
  version: typeof EXPORT_VERSION;
  team: { id: string; slug: string; name: string };
  exportedAt: string;
  exportedBy: string;
  /** The filters applied; none: the whole log. */
  filters: Record<string, string>;
  /** The whole chain as verified at export time (not only the exported events). */
  chain: { intact: boolean; count: number; head: string | null; brokenAt: number | null };
  events: number;
}

function eventLine(e: ExportedEvent): string {
  // createdAt as ISO text: the exact string the hash covers.
  return canonicalJson({ ...e, createdAt: e.createdAt.toISOString() });
}

export function chainSummary(v: ChainVerdict): ExportHeader["chain"] {
  return v.intact ? { intact: true, count: v.count, head: v.count ? v.head : null, brokenAt: null } : { intact: false, count: v.count, head: null, brokenAt: v.brokenAt.seq };
}

/** JSON Lines: the header, then the events in chain order (oldest first). */
export function toJsonLines(header: Omit<ExportHeader, "schema" | "version" | "events">, events: ExportedEvent[]): string {
  const head: ExportHeader = { schema: EXPORT_SCHEMA, version: EXPORT_VERSION, ...header, events: events.length };
  return [canonicalJson(head), ...events.map(eventLine)].join("\n") + "\n";
}

export const CSV_HEADER = ["seq", "created_at", "actor", "actor_id", "action", "subject_type", "subject_id", "summary", "details_json", "prev_hash", "hash", "chain_head"] as const;

/** CSV rows (header first) for lib/csv.ts; the chain head at export time is in every row's last column. */
export function toCsvRows(events: (ExportedEvent & { summary: string })[], chainHead: string | null): (string | number | null)[][] {
  return [
    [...CSV_HEADER],
    ...events.map((e) => [e.seq, e.createdAt.toISOString(), e.actorLabel, e.actorId, e.action, e.subjectType, e.subjectId, e.summary, canonicalJson(e.details), e.prevHash, e.hash, chainHead]),
  ];
}

export type ExportVerdict =
  | { ok: true; events: number; header: ExportHeader; complete: boolean; message: string }
  | { ok: false; events: number; line: number; seq: number | null; message: string };

/**
 * Checks an exported JSON Lines file. Every event's hash must match its fields, and an event that follows
 * its predecessor in the file (seq n after n-1) must point to that predecessor's hash. A whole-log export
 * must also start at the genesis and end at the chain head its header states.
 */
export function verifyExport(text: string): ExportVerdict {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const fail = (line: number, seq: number | null, message: string, events = 0): ExportVerdict => ({ ok: false, events, line, seq, message });
  if (lines.length === 0) return fail(1, null, "The file is empty.");
  let header: ExportHeader;
  try {
    header = JSON.parse(lines[0]!) as ExportHeader;
  } catch {
    return fail(1, null, "Line 1 is not JSON: this is not a Bulwark audit export.");
  }
  if (header.schema !== EXPORT_SCHEMA || header.version !== EXPORT_VERSION) return fail(1, null, `Line 1 is not a ${EXPORT_SCHEMA} version ${EXPORT_VERSION} header.`);
  const complete = Object.keys(header.filters ?? {}).length === 0;
  let prev: ExportedEvent | null = null;
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(lines[i]!) as Record<string, unknown>;
    } catch {
      return fail(lineNo, null, `Line ${lineNo} is not JSON.`, n);
    }
    const seq = typeof raw.seq === "number" ? raw.seq : null;
    const created = typeof raw.createdAt === "string" ? new Date(raw.createdAt) : null;
    if (seq === null || !created || Number.isNaN(created.getTime()) || typeof raw.hash !== "string" || typeof raw.prevHash !== "string") {
      return fail(lineNo, seq, `Line ${lineNo} is not an audit event (seq, createdAt, prevHash and hash are required).`, n);
    }
    const e = { ...(raw as unknown as ExportedEvent), createdAt: created };
    if (created.toISOString() !== raw.createdAt) return fail(lineNo, seq, `Event #${seq} (line ${lineNo}) has a changed time: ${String(raw.createdAt)} is not the recorded form.`, n);
    if (eventHash(e) !== e.hash) return fail(lineNo, seq, `Event #${seq} (line ${lineNo}) was changed: its hash does not match its content.`, n);
    if (prev && e.seq <= prev.seq) return fail(lineNo, seq, `Event #${seq} (line ${lineNo}) is out of order (after #${prev.seq}).`, n);
    // The whole log has every event: a gap is a removed event.
    if (complete && e.seq !== (prev?.seq ?? 0) + 1) return fail(lineNo, seq, `Event #${(prev?.seq ?? 0) + 1} is missing: line ${lineNo} holds #${seq}.`, n);
    if (prev && e.seq === prev.seq + 1 && e.prevHash !== prev.hash) return fail(lineNo, seq, `Event #${seq} (line ${lineNo}) does not point to the hash of event #${prev.seq}.`, n);
    if (!prev && e.seq === 1 && e.prevHash !== GENESIS_HASH) return fail(lineNo, seq, `Event #1 (line ${lineNo}) does not start the chain.`, n);
    prev = e;
    n++;
  }
  if (n !== header.events) return fail(lines.length, prev?.seq ?? null, `The header announces ${header.events} events; the file has ${n}: events were removed or added.`, n);
  if (complete && header.chain.intact) {
    if (n !== header.chain.count) return fail(lines.length, prev?.seq ?? null, `The log had ${header.chain.count} events at export; the file has ${n}.`, n);
    if (n > 0 && prev!.hash !== header.chain.head) return fail(lines.length, prev!.seq, `The last event's hash is not the chain head ${header.chain.head}.`, n);
  }
  const what = complete
    ? `the whole log of team ${header.team.slug}: ${n} events from the first, ending at chain head ${header.chain.head ?? "(empty)"}`
    : `${n} events of team ${header.team.slug} (filtered: ${Object.entries(header.filters).map(([k, v]) => `${k}=${v}`).join(", ")}), each hash and every link between consecutive events checked; the chain head at export was ${header.chain.head ?? "not available (chain broken)"}`;
  return { ok: true, events: n, header, complete, message: `Verified ${what}.` };
}
