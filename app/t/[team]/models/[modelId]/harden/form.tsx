"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Card, Field, inputClass } from "@/app/_components/ui";
import { TextField } from "@/app/_components/form-fields";
import { CORRUPTIONS, CORRUPTION_LABELS } from "@/lib/engine/corruption-kinds";
import { createHardeningAction, estimateHardeningAction, type EstimateState } from "./actions";

type Method = "pgd-at" | "trades" | "augment";
const METHODS: [Method, string, string][] = [
  ["pgd-at", "PGD adversarial training", "Madry et al. 2018: each step trains on the worst case PGD finds in the ε-ball around each example."],
  ["trades", "TRADES", "Zhang et al. 2019: clean cross-entropy plus β × how far the prediction moves at the worst case; trades clean accuracy against robustness."],
  ["augment", "Augmentation", "Gaussian noise and common corruptions drawn per example; no attack, so cheap, but it does not target adversarial examples."],
];

interface Props {
  team: string;
  modelId: string;
  version: { id: string; version: number };
  datasets: { id: string; label: string; count: number }[];
  defaults: Record<string, string>;
  initialEstimate: string | null;
  cancelHref: string;
}

export function HardeningForm(props: Props) {
  const form = useFormAction(createHardeningAction.bind(null, props.team, props.modelId));
  // Keyed by the answer: after an error every field starts again from what was submitted.
  return <Fields key={form.key} {...props} form={form} />;
}

function Fields({ form: { state, formAction, pending, failed, values, errors: fe }, ...p }: Props & { form: ReturnType<typeof useFormAction> }) {
  const v = failed ? values : p.defaults;
  const [method, setMethod] = useState<Method>((v.method as Method) ?? "pgd-at");
  const [validation, setValidation] = useState(Number(v.validationShare) > 0);
  const [estimate, setEstimate] = useState<EstimateState>(p.initialEstimate && !failed ? { ok: true, summary: p.initialEstimate } : null);
  const [estimating, setEstimating] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const asked = useRef(0);
  const checked = new Set((v.corruptions ?? "").split(",").filter(Boolean));

  // The estimate follows the fields (the server checks them as at launch; nothing is stored), debounced.
  const reestimate = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      if (!formRef.current) return;
      const n = ++asked.current;
      setEstimating(true);
      const answer = await estimateHardeningAction(p.team, p.modelId, new FormData(formRef.current)).catch(() => ({ ok: false, message: "The estimate could not be computed; the launch checks the fields again." }));
      if (n !== asked.current) return;
      setEstimate(answer);
      setEstimating(false);
    }, 400);
  }, [p.team, p.modelId]);
  // After a refused launch the fields hold what was submitted: estimate those, not the page's defaults.
  useEffect(() => {
    if (failed) reestimate();
  }, [failed, reestimate]);

  const num = (name: string, label: string, hint?: string) => (
    <TextField label={label} id={`h-${name}`} name={name} error={fe[name]} hint={hint} inputMode="decimal" defaultValue={v[name] ?? ""} aria-invalid={Boolean(fe[name])} />
  );
  const estimateError = estimate && !estimate.ok ? Object.values(estimate.fieldErrors ?? {})[0] ?? estimate.message : null;
  return (
    <form ref={formRef} action={formAction} onChange={reestimate} className="space-y-6" aria-label="Harden a model version">
      <input type="hidden" name="modelVersionId" value={p.version.id} />
      <input type="hidden" name="parentVersion" value={p.version.version} />
      <Card title="What to train on">
        <div className="grid gap-5 md:grid-cols-2">
          <Field label="Training dataset version" htmlFor="h-dataset" error={fe.datasetVersionId} hint="This team's versions with the model's input shape, classes and value range (usually the training split, never the evaluation split).">
            <select id="h-dataset" name="datasetVersionId" defaultValue={v.datasetVersionId} className={inputClass} aria-invalid={Boolean(fe.datasetVersionId)}>
              {p.datasets.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
            </select>
          </Field>
          {num("trainCount", "Training examples", "The dataset's first examples, in its order. Empty: all of them.")}
        </div>
      </Card>
      <Card title="Method">
        <fieldset aria-describedby="h-method-hint">
          <legend className="sr-only">Hardening method</legend>
          <p id="h-method-hint" className="mb-3 text-xs text-slate-600">The adversarial methods train against PGD at the ε below, the attack an evaluation measures; augmentation is cheaper but does not target adversarial examples.</p>
          <div className="grid gap-3 md:grid-cols-3">
            {METHODS.map(([value, title, text]) => (
              <label key={value} className={`cursor-pointer rounded-lg border p-3 text-sm ${method === value ? "border-brand-500 bg-brand-50 ring-1 ring-brand-500" : "border-slate-300 hover:bg-slate-50"} has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500`}>
                <input type="radio" name="method" value={value} checked={method === value} onChange={() => setMethod(value)} className="sr-only" />
                <span className="block font-medium text-slate-900">{title}</span>
                <span className="mt-1 block text-xs text-slate-600">{text}</span>
              </label>
            ))}
          </div>
          {fe.method ? <p className="mt-1 text-sm text-red-700" role="alert">{fe.method}</p> : null}
        </fieldset>
        <div className="mt-5 grid gap-5 md:grid-cols-3">
          {num("eps", "ε (L∞ budget)", method === "augment" ? "Used only by the validation attack (early stopping)." : "In the input's value units, like the evaluation budgets.")}
          {num("steps", "Attack steps", method === "augment" ? "Of the validation attack only." : "PGD steps per training example; the cost grows with them.")}
          {method === "augment" ? null : num("stepSize", "Step size (optional)", "Empty: 2.5 × ε / steps.")}
          {method === "trades" ? num("beta", "β", "Weight of the robustness term (6 in the paper).") : null}
        </div>
        {method === "augment" ? (
          <div className="mt-5 space-y-4">
            <fieldset>
              <legend className="mb-2 text-sm font-medium text-slate-700">Corruptions (besides Gaussian noise)</legend>
              <div className="grid gap-2 sm:grid-cols-3">
                {CORRUPTIONS.map((c) => (
                  <label key={c} className="flex items-center gap-2 text-sm text-slate-800">
                    <input type="checkbox" name="corruptions" value={c} defaultChecked={checked.has(c)} className="h-4 w-4 rounded border-slate-300" />
                    {CORRUPTION_LABELS[c]}
                  </label>
                ))}
              </div>
              {fe.corruptions ? <p className="mt-1 text-sm text-red-700" role="alert">{fe.corruptions}</p> : null}
            </fieldset>
            <div className="grid gap-5 md:grid-cols-2">
              {num("severity", "Severity (1–5)", "Of the corruptions drawn.")}
              {num("noiseStd", "Gaussian noise σ", "As a share of the value range (0–1).")}
            </div>
          </div>
        ) : null}
      </Card>
      <Card title="Training">
        <div className="grid gap-5 md:grid-cols-4">
          {num("epochs", "Epochs")}
          {num("learningRate", "Learning rate", "Adam.")}
          {num("batchSize", "Batch size")}
          {num("seed", "Seed", "Same seed, same weights (on the same backend).")}
        </div>
      </Card>
      <Card title="Early stopping (optional)">
        <label className="flex items-start gap-2 text-sm text-slate-800">
          <input type="checkbox" checked={validation} onChange={(e) => setValidation(e.target.checked)} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
          <span>Early stopping: hold out a share of the examples and keep the epoch with the best robust accuracy on them (PGD at the ε and steps above).</span>
        </label>
        {validation ? (
          <div className="mt-4 grid gap-5 md:grid-cols-2">
            {num("validationShare", "Validation share", "0.05–0.5 of the training examples, held out from training.")}
            {num("patience", "Patience (epochs)", "Stop after this many epochs without a better one.")}
          </div>
        ) : <input type="hidden" name="validationShare" value="0" />}
      </Card>
      <div className="rounded-lg border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700" aria-live="polite" data-testid="hardening-estimate">
        <span className="font-medium text-slate-900">Estimated cost: </span>
        {estimate?.ok && estimate.summary ? estimate.summary : estimateError ? <span className="text-rose-700">{estimateError}</span> : "Change a field to see the cost."}
        {estimating ? <span className="ml-2 text-xs text-slate-500">updating…</span> : null}
      </div>
      {/* Beside the button, where the user is when the launch is refused (a field, or the team's concurrency limit). */}
      {state && !state.ok ? <Alert>{state.message}</Alert> : null}
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Launching…" : `Launch hardening of v${p.version.version}`}</button>
        <a href={p.cancelHref} className="text-sm font-medium text-brand-700 hover:underline">Back to the model</a>
      </div>
    </form>
  );
}
