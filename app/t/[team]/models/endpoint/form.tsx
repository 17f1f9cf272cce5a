"use client";

import { useState } from "react";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Card, Field, inputClass } from "@/app/_components/ui";
import { DescriptiveFields, StructuralFields, type CardDefaults } from "../_forms/card-fields";
import { registerEndpointAction, testConnectionAction } from "./actions";

const DEFAULT_TEMPLATE = '{"instances": "{{inputs}}"}';

type EndpointFormProps = { team: string; model?: { id: string; name: string }; defaults: CardDefaults; datasets: { id: string; label: string }[]; references: { id: string; label: string }[] };

export function EndpointForm(props: EndpointFormProps) {
  const form = useFormAction(registerEndpointAction.bind(null, props.team));
  // Keyed by the answer: the fields and their state start again from what was submitted.
  return <EndpointFormFields key={form.key} {...props} form={form} />;
}

function EndpointFormFields({ model, defaults, datasets, references, form: { state, formAction: action, pending, values, errors: fe } }: EndpointFormProps & { form: ReturnType<typeof useFormAction> }) {
  const v: CardDefaults = { ...defaults, ...values };
  const [auth, setAuth] = useState(v["endpoint.authKind"] ?? "bearer");
  const e = (k: string) => fe[`endpoint.${k}`];
  const input = (k: string, label: string, o: { hint?: string; placeholder?: string; def?: string; mode?: "numeric" | "decimal"; required?: boolean } = {}) => (
    <Field label={label} htmlFor={`ep-${k}`} error={e(k)} hint={o.hint}>
      <input id={`ep-${k}`} name={`endpoint.${k}`} defaultValue={v[`endpoint.${k}`] ?? o.def ?? ""} placeholder={o.placeholder} inputMode={o.mode} required={o.required} className={inputClass} aria-invalid={Boolean(e(k))} aria-describedby={e(k) ? `ep-${k}-error` : undefined} />
    </Field>
  );
  return (
    <form action={action} className="space-y-6" aria-label="Register a model served over HTTP">
      {state?.message && !state.ok ? <Alert>{state.message}</Alert> : null}
      <Card title="Model">
        <div className="grid gap-4 sm:grid-cols-2">
          {model ? (
            <input type="hidden" name="modelId" value={model.id} />
          ) : (
            <>
              <Field label="Model name" htmlFor="ep-name" error={fe.name} hint="Unique in this team.">
                <input id="ep-name" name="name" required maxLength={80} defaultValue={v.name ?? ""} className={inputClass} aria-invalid={Boolean(fe.name)} />
              </Field>
              <Field label="Description" htmlFor="ep-description" error={fe.description}>
                <input id="ep-description" name="description" maxLength={2000} defaultValue={v.description ?? ""} className={inputClass} />
              </Field>
            </>
          )}
          <Field label="Weights this endpoint serves (optional)" htmlFor="ep-ref" error={fe.whiteBoxReferenceVersionId} hint="A registered version with weights: its white-box evaluations become the reference the black-box results are checked against.">
            <select id="ep-ref" name="whiteBoxReferenceVersionId" defaultValue={v.whiteBoxReferenceVersionId ?? ""} className={inputClass}>
              <option value="">Not registered / not given</option>
              {references.map((r) => <option key={r.id} value={r.id}>{r.label}</option>)}
            </select>
          </Field>
        </div>
      </Card>
      <Card title="Endpoint">
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">{input("url", "URL", { placeholder: "https://models.vendor.example/v1/predict", required: true, hint: "Its host must be on the team's outbound allowlist (Settings → Outbound hosts)." })}</div>
          <Field label="Method" htmlFor="ep-method" error={e("method")}>
            <select id="ep-method" name="endpoint.method" defaultValue={v["endpoint.method"] ?? "POST"} className={inputClass}>
              <option>POST</option>
              <option>PUT</option>
            </select>
          </Field>
          <Field label="Authentication" htmlFor="ep-authKind" error={e("authKind")}>
            <select id="ep-authKind" name="endpoint.authKind" value={auth} onChange={(x) => setAuth(x.target.value)} className={inputClass}>
              <option value="bearer">Bearer token (Authorization header)</option>
              <option value="header">API key in a header</option>
              <option value="none">None</option>
            </select>
          </Field>
          {auth === "header" ? input("authHeader", "Header name", { placeholder: "X-Api-Key" }) : null}
          {auth !== "none" ? (
            <Field label={auth === "bearer" ? "Token" : "Header value"} htmlFor="ep-authSecret" error={e("authSecret")} hint="Stored encrypted (AES-256-GCM); never shown again, logged or put in reports.">
              <input id="ep-authSecret" name="endpoint.authSecret" type="password" autoComplete="off" className={inputClass} aria-invalid={Boolean(e("authSecret"))} />
            </Field>
          ) : null}
          <div className="sm:col-span-2">
            <Field label="Request template (JSON)" htmlFor="ep-requestTemplate" error={e("requestTemplate")} hint={<>Where the inputs go: the string <code>&quot;{"{{inputs}}"}&quot;</code> becomes an array of inputs (a batch), or <code>&quot;{"{{input}}"}&quot;</code> one input per request. Each input is nested to the input shape.</>}>
              <textarea id="ep-requestTemplate" name="endpoint.requestTemplate" rows={3} defaultValue={v["endpoint.requestTemplate"] ?? DEFAULT_TEMPLATE} className={`${inputClass} font-mono`} aria-invalid={Boolean(e("requestTemplate"))} />
            </Field>
          </div>
          <Field label="The answer gives" htmlFor="ep-responseKind" error={e("responseMapping.kind")}>
            <select id="ep-responseKind" name="endpoint.responseKind" defaultValue={v["endpoint.responseKind"] ?? "scores"} className={inputClass}>
              <option value="scores">Class scores (one number per class)</option>
              <option value="label">The predicted label only</option>
            </select>
          </Field>
          <Field label="Path to the answer" htmlFor="ep-responsePath" error={e("responseMapping.path")} hint="Dotted path in the JSON response, e.g. predictions or outputs.0.scores (empty: the whole response).">
            <input id="ep-responsePath" name="endpoint.responsePath" defaultValue={v["endpoint.responsePath"] ?? "predictions"} className={inputClass} />
          </Field>
          {input("batchSize", "Inputs per request", { def: "16", mode: "numeric" })}
          {input("timeoutMs", "Timeout per request (ms)", { def: "10000", mode: "numeric" })}
          {input("requestsPerSecond", "Rate limit (requests per second)", { def: "10", mode: "decimal" })}
          {input("concurrency", "Requests at once", { def: "2", mode: "numeric" })}
          {input("maxRetries", "Retries (5xx, 429, timeouts)", { def: "3", mode: "numeric" })}
        </div>
      </Card>
      <Card title="Input and classes">
        <StructuralFields d={v} fe={fe} />
        <p className="mt-2 text-xs text-slate-500">The endpoint receives inputs in this value range and does its own preprocessing; epsilons are measured in this range.</p>
      </Card>
      <Card title="Model card">
        <DescriptiveFields d={v} fe={fe} datasets={datasets} />
      </Card>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Registering…" : "Register endpoint"}</button>
    </form>
  );
}

export function TestConnectionForm({ team, versionId, datasets }: { team: string; versionId: string; datasets: { id: string; label: string }[] }) {
  const { state, formAction: action, pending, key, values: v } = useFormAction(testConnectionAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-3" aria-label="Test the connection">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <input type="hidden" name="versionId" value={versionId} />
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Dataset version" htmlFor="tc-dataset" error={state?.fieldErrors?.datasetVersionId} hint="Its first 8 examples are sent; every answer must be one of the declared classes.">
          <select id="tc-dataset" name="datasetVersionId" defaultValue={v.datasetVersionId} required className={inputClass}>
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
          </select>
        </Field>
        <button type="submit" disabled={pending || datasets.length === 0} className={buttonClass.secondary}>{pending ? "Testing…" : "Test connection"}</button>
      </div>
    </form>
  );
}
