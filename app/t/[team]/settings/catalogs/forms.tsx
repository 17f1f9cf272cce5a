"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { ActionForm, SelectField, TextField } from "@/app/_components/form-fields";
import { buttonClass, Field, inputClass } from "@/app/_components/ui";
import { copyMappingAction, deleteCatalogAction, mapEvidenceAction, rollbackCatalogAction, uploadCatalogAction, uploadMappingAction } from "./actions";

type Opt = { key: string; label: string };

export function UploadCatalogForm({ team, frameworks }: { team: string; frameworks: Opt[] }) {
  const form = useFormAction(uploadCatalogAction.bind(null, team));
  const { values: v, errors: fe } = form;
  return (
    <ActionForm form={form} label="Upload a catalog" className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="OSCAL catalog (JSON)" htmlFor="c-file" error={fe.file} hint="OSCAL 1.0.6, at most 5 MB and 2,000 controls.">
          <input id="c-file" name="file" type="file" accept=".json,application/json" className={inputClass} />
        </Field>
        <SelectField label="Store as" id="c-fw" name="framework" error={fe.framework} defaultValue={v.framework} options={[["", "A new catalog"], ...frameworks.map((f) => [f.key, `New version of ${f.label}`] as const)]} />
        <TextField label="Short name (optional)" id="c-short" name="shortName" error={fe.shortName} defaultValue={v.shortName} placeholder="the catalog's title" maxLength={40} />
      </div>
      <button type="submit" disabled={form.pending} className={buttonClass.primary}>{form.pending ? "Uploading…" : "Upload catalog"}</button>
    </ActionForm>
  );
}

/** Map Bulwark evidence to one of the catalog's controls: an evidence kind, or the same evidence as a bundled control. */
export function MapControlForm({ team, framework, controls, evidence, bundled }: { team: string; framework: string; controls: Opt[]; evidence: Opt[]; bundled: Opt[] }) {
  const byKind = useFormAction(mapEvidenceAction.bind(null, team));
  const like = useFormAction(copyMappingAction.bind(null, team));
  const controlSelect = (id: string, value: string | undefined, error?: string) => (
    <SelectField label="Control" id={id} name="control" error={error} defaultValue={value} options={controls.map((c) => [c.key, c.label] as const)} />
  );
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <ActionForm form={byKind} label={`Map evidence to a control of ${framework}`} className="space-y-3 rounded-lg border border-slate-200 p-3">
        <h4 className="text-sm font-semibold text-slate-800">Counts as evidence</h4>
        <input type="hidden" name="action" value="set" />
        {controlSelect(`m-ctl-${framework}`, byKind.values.control, byKind.errors.control)}
        <div className="grid gap-3 sm:grid-cols-2">
          <SelectField label="Evidence" id={`m-ev-${framework}`} name="evidence" error={byKind.errors.evidence} defaultValue={byKind.values.evidence} options={evidence.map((e) => [e.key, e.label] as const)} />
          <SelectField label="Mark" id={`m-mark-${framework}`} name="mark" error={byKind.errors.mark} defaultValue={byKind.values.mark} options={[["direct", "Direct (it shows the control)"], ["supporting", "Supporting"]]} />
        </div>
        <TextField label="Reason" id={`m-reason-${framework}`} name="reason" error={byKind.errors.reason} defaultValue={byKind.values.reason} />
        <button type="submit" disabled={byKind.pending} className={buttonClass.secondary}>Save mapping</button>
      </ActionForm>
      <ActionForm form={like} label={`Map a control of ${framework} like a bundled control`} className="space-y-3 rounded-lg border border-slate-200 p-3">
        <h4 className="text-sm font-semibold text-slate-800">Same evidence as a bundled control</h4>
        {controlSelect(`l-ctl-${framework}`, like.values.control, like.errors.control)}
        <Field label="Bundled control" htmlFor={`l-from-${framework}`} error={like.errors.from}>
          <input id={`l-from-${framework}`} name="from" list={`l-bundled-${framework}`} placeholder="nist-ai-rmf:MEASURE 2.7" defaultValue={like.values.from} className={inputClass} />
          <datalist id={`l-bundled-${framework}`}>{bundled.map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}</datalist>
        </Field>
        <TextField label="Reason" id={`l-reason-${framework}`} name="reason" error={like.errors.reason} defaultValue={like.values.reason} />
        <button type="submit" disabled={like.pending} className={buttonClass.secondary}>Copy its evidence</button>
      </ActionForm>
    </div>
  );
}

/** Upload a mapping file: it replaces the catalog's whole mapping. */
export function UploadMappingForm({ team, framework }: { team: string; framework: string }) {
  const form = useFormAction(uploadMappingAction.bind(null, team));
  return (
    <ActionForm form={form} label={`Upload the mapping of ${framework}`} className="flex flex-wrap items-end gap-3">
      <input type="hidden" name="framework" value={framework} />
      <Field label="Mapping file (JSON)" htmlFor={`mf-${framework}`} error={form.errors.file} hint="As downloaded: it replaces the whole mapping of this catalog.">
        <input id={`mf-${framework}`} name="file" type="file" accept=".json,application/json" className={inputClass} />
      </Field>
      <button type="submit" disabled={form.pending} className={buttonClass.secondary}>{form.pending ? "Uploading…" : "Upload mapping"}</button>
    </ActionForm>
  );
}

/** Admins: assess an earlier version again (stored as the next version), or delete the catalog. */
export function CatalogAdminForms({ team, framework, versions }: { team: string; framework: string; versions: number[] }) {
  const back = useFormAction(rollbackCatalogAction.bind(null, team));
  const del = useFormAction(deleteCatalogAction.bind(null, team));
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      {versions.length ? (
        <ActionForm form={back} label={`Roll back ${framework}`} className="space-y-3 rounded-lg border border-slate-200 p-3">
          <h4 className="text-sm font-semibold text-slate-800">Roll back to an earlier version</h4>
          <input type="hidden" name="framework" value={framework} />
          <SelectField label="Version" id={`rb-v-${framework}`} name="version" error={back.errors.version} defaultValue={back.values.version} options={versions.map((v) => [String(v), `Version ${v}`] as const)} />
          <TextField label="Reason" id={`rb-r-${framework}`} name="reason" error={back.errors.reason} defaultValue={back.values.reason} />
          <button type="submit" disabled={back.pending} className={buttonClass.secondary}>Roll back</button>
        </ActionForm>
      ) : null}
      <ActionForm form={del} label={`Delete ${framework}`} className="space-y-3 rounded-lg border border-rose-200 p-3">
        <h4 className="text-sm font-semibold text-slate-800">Delete this catalog</h4>
        <p className="text-xs text-slate-600">Every version and its mapping leave the posture, the controls and the gate. Refused while the policy or a report depends on it.</p>
        <input type="hidden" name="framework" value={framework} />
        <TextField label="Reason" id={`del-r-${framework}`} name="reason" error={del.errors.reason} defaultValue={del.values.reason} />
        <button type="submit" disabled={del.pending} className={buttonClass.danger}>Delete catalog</button>
      </ActionForm>
    </div>
  );
}
