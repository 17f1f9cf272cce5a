import Link from "@/app/_components/link";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { FilterSelect } from "@/app/_components/filter-select";

/**
 * The models and datasets lists' filter bar: a search box, one select of the kind's own (risk tier, format),
 * "include archived", and Clear when a filter is set.
 */
export function RegistryListFilter({ noun, base, q, placeholder, select, archived, filtered }: {
  noun: "models" | "datasets";
  base: string;
  q: string | undefined;
  placeholder: string;
  select: { name: string; label: string; value: string | undefined; all: string; options: [string, string][] };
  archived: boolean;
  filtered: boolean;
}) {
  return (
    <form method="get" className="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" aria-label={`Search ${noun}`}>
      <div className="min-w-56 flex-1">
        <label htmlFor="q" className="mb-1 block text-xs font-medium text-slate-600">Search</label>
        <input id="q" name="q" type="search" defaultValue={q ?? ""} placeholder={placeholder} className={inputClass} />
      </div>
      <FilterSelect id={select.name} name={select.name} label={select.label} value={select.value} all={select.all} options={select.options} />
      <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
        <input type="checkbox" name="archived" value="1" defaultChecked={archived} className="h-4 w-4 rounded border-slate-300" />
        Include archived
      </label>
      <button type="submit" className={buttonClass.primary}>Filter</button>
      {filtered ? <Link href={base} className={buttonClass.ghost}>Clear</Link> : null}
    </form>
  );
}
