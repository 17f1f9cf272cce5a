"use client";

import { useState } from "react";
import { Field, inputClass } from "@/app/_components/ui";

export type DatasetDefaults = Record<string, string>;
type FE = Record<string, string | undefined>;
const id = (name: string) => `dc-${name}`;

function Text({ name, label, d, fe, hint, required, placeholder, list }: { name: string; label: string; d: DatasetDefaults; fe: FE; hint?: string; required?: boolean; placeholder?: string; list?: string }) {
  return (
    <Field label={label} htmlFor={id(name)} error={fe[name]} hint={hint}>
      <input id={id(name)} name={name} defaultValue={d[name] ?? ""} required={required} placeholder={placeholder} list={list} className={inputClass} aria-invalid={Boolean(fe[name])} aria-describedby={fe[name] ? `${id(name)}-error` : undefined} />
    </Field>
  );
}

function Area({ name, label, d, fe, hint, required, rows = 3 }: { name: string; label: string; d: DatasetDefaults; fe: FE; hint?: string; required?: boolean; rows?: number }) {
  return (
    <Field label={label} htmlFor={id(name)} error={fe[name]} hint={hint}>
      <textarea id={id(name)} name={name} rows={rows} defaultValue={d[name] ?? ""} required={required} className={inputClass} aria-invalid={Boolean(fe[name])} aria-describedby={fe[name] ? `${id(name)}-error` : undefined} />
    </Field>
  );
}

export function DatasetCardFields({ d, fe, licences }: { d: DatasetDefaults; fe: FE; licences: readonly string[] }) {
  const [personal, setPersonal] = useState(d.personalData ?? "");
  const [licence, setLicence] = useState(d.licence ?? "");
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <div className="sm:col-span-2">
        <Area name="description" label="Description" d={d} fe={fe} required hint="What the data is and what it is for." />
      </div>
      <Text name="source" label="Source" d={d} fe={fe} required placeholder="Where it came from (URL, system, vendor)" />
      <Text name="collectedBy" label="Collected by" d={d} fe={fe} required placeholder="Who collected or labelled it" />
      <Text name="collectedWhen" label="Collected when" d={d} fe={fe} required placeholder="e.g. 1998, or 2024-03 to 2024-06" />
      <Field label="Licence (SPDX identifier)" htmlFor={id("licence")} error={fe.licence} hint={licence === "unknown" ? "An unknown licence is flagged as a risk." : 'e.g. CC-BY-4.0; LicenseRef-<name> for a custom licence; "unknown" if not known.'}>
        <input id={id("licence")} name="licence" list="spdx-licences" defaultValue={licence} onChange={(e) => setLicence(e.target.value)} required className={inputClass} aria-invalid={Boolean(fe.licence)} />
        <datalist id="spdx-licences">
          <option value="unknown" />
          {licences.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </Field>
      <Field label="Contains personal data" htmlFor={id("personalData")} error={fe.personalData}>
        <select id={id("personalData")} name="personalData" defaultValue={personal} onChange={(e) => setPersonal(e.target.value)} required className={inputClass} aria-invalid={Boolean(fe.personalData)}>
          <option value="" disabled>Choose…</option>
          <option value="no">No</option>
          <option value="yes">Yes</option>
          <option value="unknown">Unknown</option>
        </select>
      </Field>
      <Field label="Split" htmlFor={id("split")} error={fe.split}>
        <select id={id("split")} name="split" defaultValue={d.split ?? "test"} className={inputClass}>
          <option value="train">Train</option>
          <option value="validation">Validation</option>
          <option value="test">Test</option>
        </select>
      </Field>
      <div className="sm:col-span-2">
        <Area name="legalBasis" label={personal === "yes" ? "Legal basis for the personal data (required)" : "Legal basis note"} d={d} fe={fe} required={personal === "yes"} rows={2} hint="E.g. GDPR Art. 6(1)(a) consent, records kept at …; or why no personal data is present." />
      </div>
      <div className="sm:col-span-2">
        <Area name="knownIssues" label="Known issues" d={d} fe={fe} hint="Label noise, imbalance, collection bias, duplicates, …" />
      </div>
    </div>
  );
}
