"use client";

import { useEffect, useRef, useState } from "react";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { bulkAttestAction, createTemplateAction, deleteTemplateAction } from "./actions";

export const BULK_FORM_ID = "bulk-attest";
const boxes = () => [...document.querySelectorAll<HTMLInputElement>(`input[type=checkbox][name=controls][form=${BULK_FORM_ID}]`)];
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

export interface TemplateView { id: string; name: string; statement: string; validDays: number; evidenceUrl: string | null }

/** A control row's checkbox: it belongs to the bulk form wherever the row sits on the page. */
export function SelectControl({ controlKey, controlId }: { controlKey: string; controlId: string }) {
  return <input type="checkbox" name="controls" value={controlKey} form={BULK_FORM_ID} aria-label={`Select ${controlId}`} className="h-4 w-4 shrink-0 rounded border-slate-400 text-brand-600" />;
}

/**
 * Bulk attestation: the controls ticked in the list below, one statement, scope, expiry and evidence link,
 * applied to all in one transaction; a team template fills the fields.
 */
export function BulkAttestForm({ team, models, maxDays, templates, segregation }: { team: string; models: { id: string; label: string }[]; maxDays: number; templates: TemplateView[]; segregation: boolean }) {
  const { state, formAction, pending, key, values: v, errors: fe } = useFormAction(bulkAttestAction.bind(null, team));
  const [count, setCount] = useState(0);
  const statement = useRef<HTMLTextAreaElement>(null);
  const expires = useRef<HTMLInputElement>(null);
  const link = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const update = () => setCount(boxes().filter((b) => b.checked).length);
    update();
    document.addEventListener("change", update);
    return () => document.removeEventListener("change", update);
  }, []);
  // After a successful attestation the selection is spent.
  useEffect(() => {
    if (!state?.ok) return;
    for (const b of boxes()) b.checked = false;
    setCount(0);
  }, [state]);

  const setAll = (checked: boolean) => {
    for (const b of boxes()) b.checked = checked;
    setCount(checked ? boxes().length : 0);
  };
  const applyTemplate = (id: string) => {
    const t = templates.find((x) => x.id === id);
    if (!t) return;
    if (statement.current) statement.current.value = t.statement;
    if (expires.current) expires.current.value = inDays(Math.min(t.validDays, maxDays));
    if (link.current) link.current.value = t.evidenceUrl ?? "";
  };

  return (
    <form id={BULK_FORM_ID} key={key} action={formAction} className="space-y-3" aria-label="Bulk attestation">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium text-slate-800" data-testid="bulk-count" aria-live="polite">{count} control{count === 1 ? "" : "s"} selected</span>
        <button type="button" onClick={() => setAll(true)} className={buttonClass.ghost}>Select all shown</button>
        <button type="button" onClick={() => setAll(false)} className={buttonClass.ghost}>Clear</button>
      </div>
      {fe.controls ? <p className="text-sm text-rose-700" role="alert">{fe.controls}</p> : null}
      {templates.length ? (
        <Field label="Start from a template" htmlFor="bulk-template" hint="Fills the statement, the expiry and the evidence link; edit them before attesting.">
          <select id="bulk-template" defaultValue="" onChange={(e) => applyTemplate(e.target.value)} className={inputClass}>
            <option value="">No template</option>
            {templates.map((t) => <option key={t.id} value={t.id}>{t.name} ({t.validDays} days)</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Applies to" htmlFor="bulk-model" error={fe.modelId} hint={segregation ? "Segregation of duties: you cannot attest for a model you own." : undefined}>
        <select id="bulk-model" name="modelId" defaultValue={v.modelId ?? ""} className={inputClass}>
          <option value="">The whole team (every model)</option>
          {models.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
        </select>
      </Field>
      <Field label="Statement" htmlFor="bulk-statement" error={fe.statement} hint="What you checked, and where the evidence lives; the same statement is recorded for every selected control.">
        <textarea ref={statement} id="bulk-statement" name="statement" rows={3} required defaultValue={v.statement} className={inputClass} aria-invalid={Boolean(fe.statement)} />
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Valid until" htmlFor="bulk-expires" error={fe.expiresOn} hint={`At most ${maxDays} days.`}>
          <input ref={expires} id="bulk-expires" name="expiresOn" type="date" required min={inDays(1)} max={inDays(maxDays)} defaultValue={v.expiresOn ?? inDays(Math.min(180, maxDays))} className={inputClass} aria-invalid={Boolean(fe.expiresOn)} />
        </Field>
        <Field label="Evidence link (optional)" htmlFor="bulk-link" error={fe.evidenceUrl} hint="Where the evidence lives, e.g. the document in your GRC system.">
          <input ref={link} id="bulk-link" name="evidenceUrl" type="url" inputMode="url" placeholder="https://" defaultValue={v.evidenceUrl} className={inputClass} aria-invalid={Boolean(fe.evidenceUrl)} />
        </Field>
      </div>
      <button type="submit" disabled={pending || count === 0} className={buttonClass.primary}>{pending ? "Attesting…" : `Attest ${count} selected control${count === 1 ? "" : "s"}`}</button>
    </form>
  );
}

/** The team's templates: create one, delete one. */
export function TemplateForms({ team, templates, maxDays }: { team: string; templates: TemplateView[]; maxDays: number }) {
  const create = useFormAction(createTemplateAction.bind(null, team));
  const v = create.values, fe = create.errors;
  return (
    <div className="space-y-4">
      {templates.length ? (
        <ul className="divide-y divide-slate-100 text-sm" aria-label="Attestation templates">
          {templates.map((t) => <TemplateRow key={t.id} team={team} t={t} />)}
        </ul>
      ) : <p className="text-sm text-slate-600">No template yet.</p>}
      <form key={create.key} action={create.formAction} className="space-y-3 rounded-lg border border-slate-200 p-3" aria-label="New attestation template">
        {create.state?.message ? <Alert tone={create.state.ok ? "green" : "red"}>{create.state.message}</Alert> : null}
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Template name" htmlFor="tpl-name" error={fe.name}>
            <input id="tpl-name" name="name" required defaultValue={v.name} className={inputClass} aria-invalid={Boolean(fe.name)} />
          </Field>
          <Field label="Valid for (days)" htmlFor="tpl-days" error={fe.validDays} hint={`At most ${maxDays}.`}>
            <input id="tpl-days" name="validDays" type="number" min={1} max={maxDays} required defaultValue={v.validDays ?? String(Math.min(180, maxDays))} className={inputClass} aria-invalid={Boolean(fe.validDays)} />
          </Field>
        </div>
        <Field label="Template statement" htmlFor="tpl-statement" error={fe.statement}>
          <textarea id="tpl-statement" name="statement" rows={3} required defaultValue={v.statement} className={inputClass} aria-invalid={Boolean(fe.statement)} />
        </Field>
        <Field label="Template evidence link (optional)" htmlFor="tpl-link" error={fe.evidenceUrl}>
          <input id="tpl-link" name="evidenceUrl" type="url" placeholder="https://" defaultValue={v.evidenceUrl} className={inputClass} aria-invalid={Boolean(fe.evidenceUrl)} />
        </Field>
        <button type="submit" disabled={create.pending} className={buttonClass.secondary}>Save template</button>
      </form>
    </div>
  );
}

function TemplateRow({ team, t }: { team: string; t: TemplateView }) {
  const del = useFormAction(deleteTemplateAction.bind(null, team));
  return (
    <li className="flex flex-wrap items-start justify-between gap-2 py-2" data-template={t.name}>
      <div className="min-w-0 flex-1">
        <p className="font-medium text-slate-800">{t.name} <span className="font-normal text-slate-600">· {t.validDays} days</span></p>
        <p className="line-clamp-2 text-xs text-slate-600">{t.statement}</p>
      </div>
      <form action={del.formAction} aria-label={`Delete template ${t.name}`}>
        <input type="hidden" name="templateId" value={t.id} />
        <button type="submit" disabled={del.pending} className={buttonClass.danger}>Delete</button>
        {del.state && !del.state.ok ? <span role="alert" className="ml-2 text-xs text-rose-700">{del.state.message}</span> : null}
      </form>
    </li>
  );
}
