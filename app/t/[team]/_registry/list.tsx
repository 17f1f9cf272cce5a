import Link from "@/app/_components/link";
import type { ReactNode } from "react";
import { Td, formatDateTime } from "@/app/_components/ui";

// The models and datasets lists' common parts: the empty state before anything is registered, the
// filter bar and a "no match" line once something is, and the record's first two cells.

export function RegistryListBody({ count, filtered, empty, filter, noMatch, children }: { count: number; filtered: boolean; empty: ReactNode; filter: ReactNode; noMatch: string; children: ReactNode }) {
  if (count === 0 && !filtered) return empty;
  return (
    <>
      {filter}
      {count === 0 ? <p className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">{noMatch}</p> : children}
    </>
  );
}

/** The record's name (a link), "(archived)" and its description. */
export function RecordNameCell({ href, record }: { href: string; record: { name: string; archived: boolean; description: string | null } }) {
  return (
    <Td>
      <Link href={href} className="font-medium text-brand-700 hover:underline">{record.name}</Link>
      {record.archived ? <span className="ml-2 text-xs text-slate-500">(archived)</span> : null}
      {record.description ? <div className="mt-0.5 max-w-sm truncate text-xs text-slate-500">{record.description}</div> : null}
    </Td>
  );
}

/** "v3 of 3" and when it was uploaded; `none` when the record has no version. */
export function LatestVersionCell({ latest, versionCount, none }: { latest: { version: number; createdAt: Date } | null | undefined; versionCount: number; none?: ReactNode }) {
  return (
    <Td>
      {latest ? (
        <>
          <span className="font-medium text-slate-900">v{latest.version}</span>
          <span className="text-xs text-slate-500"> of {versionCount}</span>
          <div className="text-xs text-slate-500">{formatDateTime(latest.createdAt)}</div>
        </>
      ) : (
        none ?? null
      )}
    </Td>
  );
}
