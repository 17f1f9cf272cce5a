"use client";

import { useState } from "react";
import { Field, inputClass } from "@/app/_components/ui";
import { TextField } from "@/app/_components/form-fields";

/**
 * The integrity kind's part of the new-evaluation form (lib/evaluations/integrity.ts): the model version, its
 * training data (default: the card's lineage), held-out data, and the cross-validation that finds likely
 * mislabelled examples — with its cost stated before launch.
 */
export function IntegrityFields(props: {
  versions: { id: string; label: string }[];
  datasets: { id: string; label: string }[];
  values: Record<string, string>;
  errors: Record<string, string | undefined>;
  defaultVersion?: string;
}) {
  const v = props.values;
  const fe = props.errors;
  const [folds, setFolds] = useState(v.folds ?? "5");
  const [epochs, setEpochs] = useState(v.epochs ?? "3");
  const [samples, setSamples] = useState(v.sampleCount ?? "");
  const k = Number(folds) || 0;
  const e = Number(epochs) || 0;
  const n = Number(samples) || 0;
  const passes = k >= 2 && e > 0 ? Math.ceil((n || 8000) * ((k - 1) / k)) * e * k : 0;
  return (
    <fieldset className="grid gap-4 md:grid-cols-2">
      <legend className="sr-only">Integrity scan</legend>
      <Field label="Model version" htmlFor="i-model" error={fe.modelVersionId} hint="Its activations are scanned and its architecture is retrained for cross-validation.">
        <select id="i-model" name="modelVersionId" defaultValue={v.modelVersionId ?? props.defaultVersion ?? props.versions[0]?.id} className={inputClass} aria-invalid={Boolean(fe.modelVersionId)}>
          {props.versions.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
        </select>
      </Field>
      <Field label="Training data" htmlFor="i-train" error={fe.trainingDatasetVersionId} hint="The dataset version the model was trained on.">
        <select id="i-train" name="trainingDatasetVersionId" defaultValue={v.trainingDatasetVersionId ?? ""} className={inputClass} aria-invalid={Boolean(fe.trainingDatasetVersionId)}>
          <option value="">From the model card (lineage)</option>
          {props.datasets.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
        </select>
      </Field>
      <Field label="Held-out data (optional)" htmlFor="i-held" error={fe.heldOutDatasetVersionId} hint="Checked for train/test leakage; its inputs are used for the trigger test.">
        <select id="i-held" name="heldOutDatasetVersionId" defaultValue={v.heldOutDatasetVersionId ?? props.datasets.find((d) => /eval|test/i.test(d.label))?.id ?? ""} className={inputClass} aria-invalid={Boolean(fe.heldOutDatasetVersionId)}>
          <option value="">None</option>
          {props.datasets.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
        </select>
      </Field>
      <TextField label="Training examples to scan" id="i-samples" error={fe.sampleCount} hint="Empty: all of them. A smaller number scans a stratified subset." name="sampleCount" inputMode="numeric" value={samples} onChange={(ev) => setSamples(ev.target.value)} aria-invalid={Boolean(fe.sampleCount)} />
      <TextField label="Cross-validation folds" id="i-folds" error={fe.folds} hint="0 skips the likely-mislabelled scan." name="folds" inputMode="numeric" value={folds} onChange={(ev) => setFolds(ev.target.value)} aria-invalid={Boolean(fe.folds)} />
      <TextField label="Epochs per fold" id="i-epochs" error={fe.epochs} name="epochs" inputMode="numeric" value={epochs} onChange={(ev) => setEpochs(ev.target.value)} aria-invalid={Boolean(fe.epochs)} />
      <TextField label="Seed" id="i-seed" error={fe.seed} name="seed" inputMode="numeric" defaultValue={v.seed ?? "0"} />
      <p className="md:col-span-2 rounded-lg bg-slate-50 p-3 text-sm text-slate-700" data-testid="integrity-cost">
        {passes
          ? `Cost: the model's architecture is retrained ${k} times for ${e} epoch${e > 1 ? "s" : ""} — ${passes.toLocaleString("en")} training passes${n ? "" : " for 8,000 examples (the exact figure, from the dataset's size, is recorded at launch)"} — plus one forward pass per example for the activation scan and the trigger test.`
          : "No cross-validation: only the dataset scan, the activation scan and the trigger test run (forward passes only)."}
      </p>
    </fieldset>
  );
}
