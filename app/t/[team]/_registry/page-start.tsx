import Link from "@/app/_components/link";
import type { ReactNode } from "react";
import type { z } from "zod";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { firstValues, type SearchParams } from "@/app/_lib/search-params";
import type { TeamContext } from "@/lib/teams/access";
import { ReadOnlyNotice, registryScope } from "./page-parts";

// How the model and dataset list and registration pages begin: the team, the kind's list path and write
// permission, then the list filter from the address, or the record a new version is for.

type Kind = "models" | "datasets";

/** A list page: the team, its scope, the filter read from the address (and whether any is set) and the rows it selects. */
export async function registryListStart<S extends z.ZodType<Record<string, unknown>>, R>(
  params: Promise<{ team: string }>,
  searchParams: SearchParams,
  kind: Kind,
  list: { filter: S; rows(ctx: TeamContext, filter: z.output<S>): Promise<R[]> },
) {
  const ctx = await teamPage(params);
  const filter = list.filter.parse(await firstValues(searchParams));
  return { ctx, ...registryScope(ctx, kind), filter, filtered: Object.values(filter).some(Boolean), rows: await list.rows(ctx, filter) };
}

/**
 * A registration page: the team, its list path and the record the address names (?model= or ?dataset=, for a
 * new version of it; loaded in the team by `load`, a 404 when it is not there); for a role that may not write,
 * the read-only notice to show instead.
 */
export async function registryUploadStart<R>(
  params: Promise<{ team: string }>,
  searchParams: Promise<{ model?: string; dataset?: string }>,
  kind: Kind,
  o: { title: string; engineersMay: string; load: (ctx: TeamContext, id: string) => Promise<R> },
): Promise<{ write: false; readOnly: ReactNode } | { write: true; ctx: TeamContext; base: string; record: R | undefined }> {
  const ctx = await teamPage(params);
  const { base, write } = registryScope(ctx, kind);
  const query = await searchParams;
  if (!write) {
    return { write: false, readOnly: <ReadOnlyNotice title={o.title}>Your role in this team is read-only for {kind}: engineers and admins {o.engineersMay}. <Link href={base} className="underline">Back to {kind}</Link></ReadOnlyNotice> };
  }
  const recordId = kind === "models" ? query.model : query.dataset;
  return { write: true, ctx, base, record: recordId ? await orNotFound(o.load(ctx, recordId)) : undefined };
}
