"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { buttonClass, Field, inputClass } from "@/app/_components/ui";
import { ActionForm, NoteForm } from "@/app/_components/form-fields";
import { attestAction, revokeAction } from "./actions";

export function AttestForm({ team, control, controlId, models, defaultModel, maxDays }: { team: string; control: string; controlId: string; models: { id: string; label: string }[]; defaultModel?: string; maxDays: number }) {
  const form = useFormAction(attestAction.bind(null, team));
  const { pending, values: v, errors: fe } = form;
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  return (
    <ActionForm form={form} label={`Attest ${controlId}`} className="space-y-3">
      <input type="hidden" name="control" value={control} />
      <Field label="Applies to" htmlFor="att-model" error={fe.modelId}>
        <select id="att-model" name="modelId" defaultValue={v.modelId ?? defaultModel ?? ""} className={inputClass}>
          <option value="">The whole team (every model)</option>
          {models.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
        </select>
      </Field>
      <Field label="Statement" htmlFor="att-statement" error={fe.statement} hint="What you checked, and where the evidence lives (document id, location, date).">
        <textarea id="att-statement" name="statement" rows={4} required defaultValue={v.statement} className={inputClass} aria-invalid={Boolean(fe.statement)} />
      </Field>
      <Field label="Evidence link (optional)" htmlFor="att-link" error={fe.evidenceUrl} hint="Where the evidence lives, e.g. the document in your GRC system.">
        <input id="att-link" name="evidenceUrl" type="url" placeholder="https://" defaultValue={v.evidenceUrl} className={inputClass} aria-invalid={Boolean(fe.evidenceUrl)} />
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Valid until" htmlFor="att-expires" error={fe.expiresOn} hint={`At most ${maxDays} days.`}>
          <input id="att-expires" name="expiresOn" type="date" required min={inDays(1)} max={inDays(maxDays)} defaultValue={v.expiresOn ?? inDays(Math.min(180, maxDays))} className={inputClass} aria-invalid={Boolean(fe.expiresOn)} />
        </Field>
        <Field label="Files (optional)" htmlFor="att-files" error={fe.files} hint="Up to 5 files, 20 MB each; stored by SHA-256.">
          <input id="att-files" name="files" type="file" multiple className="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm" />
        </Field>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Attesting…" : "Attest control"}</button>
    </ActionForm>
  );
}

export function RevokeForm({ team, attestationId }: { team: string; attestationId: string }) {
  return (
    <NoteForm
      action={revokeAction.bind(null, team)}
      label="Revoke attestation"
      record={["attestationId", attestationId]}
      field={{ id: `rv-${attestationId}`, name: "reason", label: "Reason for revoking", placeholder: "Reason for revoking", className: `${inputClass} w-64 py-1.5`, required: true, minLength: 5 }}
      className="mt-2 flex flex-wrap items-start gap-2"
    >
      {({ state, pending }) => (
        <>
          <button type="submit" disabled={pending} className={buttonClass.danger}>Revoke</button>
          {state?.message ? <span role={state.ok ? "status" : "alert"} className={`text-xs ${state.ok ? "text-emerald-700" : "text-rose-700"}`}>{state.message}</span> : null}
        </>
      )}
    </NoteForm>
  );
}
