import { inputClass } from "./ui";

// A filter bar's select (GET forms on list pages): a small label above, "all" as the empty choice.

export function FilterSelect({ id, name, label, value, all, options }: { id: string; name: string; label: string; value: string | undefined; all: string; options: readonly (readonly [value: string, label: string])[] }) {
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">{label}</label>
      <select id={id} name={name} defaultValue={value ?? ""} className={inputClass}>
        <option value="">{all}</option>
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </div>
  );
}
