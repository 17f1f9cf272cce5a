/** A page's query string as Next.js hands it over. */
export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The first value of each query parameter (a repeated one counts once), for a page's filter schema. */
export async function firstValues(searchParams: SearchParams): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}
