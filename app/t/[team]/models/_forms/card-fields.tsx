"use client";

import { useState } from "react";
import { Field, inputClass } from "@/app/_components/ui";

// The model card's fields. Names are the card's paths ("inputRange.min") so server errors land here.

export type CardDefaults = Record<string, string>;
type FE = Record<string, string | undefined>;

const id = (name: string) => `mc-${name.replace(/\./g, "-")}`;

function Text({ name, label, d, fe, hint, required, placeholder, type = "text" }: { name: string; label: string; d: CardDefaults; fe: FE; hint?: string; required?: boolean; placeholder?: string; type?: string }) {
  return (
    <Field label={label} htmlFor={id(name)} error={fe[name]} hint={hint}>
      <input id={id(name)} name={name} type={type} step={type === "number" ? "any" : undefined} defaultValue={d[name] ?? ""} required={required} placeholder={placeholder} className={inputClass} aria-invalid={Boolean(fe[name])} aria-describedby={fe[name] ? `${id(name)}-error` : undefined} />
    </Field>
  );
}

function Area({ name, label, d, fe, hint, required, rows = 3, placeholder }: { name: string; label: string; d: CardDefaults; fe: FE; hint?: string; required?: boolean; rows?: number; placeholder?: string }) {
  return (
    <Field label={label} htmlFor={id(name)} error={fe[name]} hint={hint}>
      <textarea id={id(name)} name={name} rows={rows} defaultValue={d[name] ?? ""} required={required} placeholder={placeholder} className={inputClass} aria-invalid={Boolean(fe[name])} aria-describedby={fe[name] ? `${id(name)}-error` : undefined} />
    </Field>
  );
}

/** The four risk tiers, for a select that adds its own empty choice first. */
export function RiskTierOptions() {
  return (
    <>
      <option value="minimal">Minimal</option>
      <option value="limited">Limited</option>
      <option value="high">High</option>
      <option value="unacceptable">Unacceptable</option>
    </>
  );
}

/** Task, input shape and range, preprocessing, class labels: fixed per version (the files are checked against them). */
export function StructuralFields({ d, fe }: { d: CardDefaults; fe: FE }) {
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label="Task" htmlFor={id("task")} error={fe.task}>
        <select id={id("task")} name="task" defaultValue={d.task ?? "image-classification"} className={inputClass}>
          <option value="image-classification">Image classification</option>
          <option value="tabular-classification">Tabular classification</option>
        </select>
      </Field>
      <Text name="inputShape" label="Input shape (one sample)" d={d} fe={fe} required placeholder="28,28,1" hint="Height, width, channels for images; the number of features for tabular models." />
      <Text name="inputRange.min" label="Input value range: minimum" type="number" d={d} fe={fe} required placeholder="0" />
      <Text name="inputRange.max" label="Input value range: maximum" type="number" d={d} fe={{ ...fe, "inputRange.max": fe["inputRange.max"] ?? fe.inputRange }} required placeholder="1" hint="The range attacks measure epsilon in, e.g. 0..1 or 0..255." />
      <Text name="preprocessing.scale" label="Preprocessing: scale" type="number" d={d} fe={fe} placeholder="1" hint="The model receives value × scale + offset. Leave 1 and 0 when it takes the values as they are." />
      <Text name="preprocessing.offset" label="Preprocessing: offset" type="number" d={d} fe={fe} placeholder="0" />
      <details className="sm:col-span-2 rounded-lg border border-slate-200 p-3" open={Boolean(d.inputLayout || d["normalization.mean"] || d.dimensions || fe.inputLayout || fe.normalization || fe.dimensions)}>
        <summary className="cursor-pointer text-sm font-medium text-slate-800">ONNX models: input layout and normalisation</summary>
        <div className="mt-3 grid gap-4 sm:grid-cols-2">
          <Field label="Input layout" htmlFor={id("inputLayout")} error={fe.inputLayout} hint="PyTorch exports take NCHW (channels first). The input shape above stays height,width,channels.">
            <select id={id("inputLayout")} name="inputLayout" defaultValue={d.inputLayout ?? ""} className={inputClass}>
              <option value="">NHWC (channels last)</option>
              <option value="NCHW">NCHW (channels first, PyTorch)</option>
            </select>
          </Field>
          <Text name="dimensions" label="Dynamic dimensions (optional)" d={d} fe={fe} placeholder="height=32, width=32" hint="Sizes for the model's named dynamic input dimensions other than the batch (equal to the input shape)." />
          <Text name="normalization.mean" label="Normalisation: mean per channel (optional)" d={d} fe={fe} placeholder="0.485, 0.456, 0.406" hint="Applied after scale and offset, inside the attacked function: epsilons stay in the input range above." />
          <Text name="normalization.std" label="Normalisation: std per channel" d={d} fe={{ ...fe, "normalization.std": fe["normalization.std"] ?? fe.normalization }} placeholder="0.229, 0.224, 0.225" />
        </div>
      </details>
      {fe.inputScale ? (
        <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-3 text-sm sm:col-span-2">
          <p id="mc-inputScale-error" className="text-rose-800">{fe.inputScale}</p>
          <label className="mt-2 flex items-start gap-2 text-slate-800">
            <input type="checkbox" name="confirmInputScale" value="1" className="mt-1" />
            <span>The card&apos;s input range and preprocessing are right: register anyway (recorded on the version and in the audit log).</span>
          </label>
        </div>
      ) : null}
      <div className="sm:col-span-2">
        <Area name="classLabels" label="Class labels, in the order of the model's outputs" d={d} fe={fe} required rows={3} placeholder="0, 1, 2, 3, 4, 5, 6, 7, 8, 9" hint="Comma-separated, or one per line. Their number must equal the model's output width." />
      </div>
    </div>
  );
}

// Selects are uncontrolled (defaultValue + onChange): React resets a form's fields after a server
// action, and a controlled select would then show its reset value while the state said otherwise.
export function DescriptiveFields({ d, fe, datasets }: { d: CardDefaults; fe: FE; datasets: { id: string; label: string }[] }) {
  const [kind, setKind] = useState(d["trainingMethod.kind"] ?? "standard");
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label="Risk tier" htmlFor={id("riskTier")} error={fe.riskTier} hint="The team's policy sets robustness thresholds per tier.">
        <select id={id("riskTier")} name="riskTier" defaultValue={d.riskTier ?? ""} required className={inputClass} aria-invalid={Boolean(fe.riskTier)}>
          <option value="" disabled>Choose…</option>
          <RiskTierOptions />
        </select>
      </Field>
      <Text name="owner" label="Owner" d={d} fe={fe} required placeholder="Person or team accountable for the model" />
      <Area name="intendedUse" label="Intended use" d={d} fe={fe} required />
      <Area name="outOfScopeUse" label="Out-of-scope use" d={d} fe={fe} required />
      <Field label="Training dataset version (lineage)" htmlFor={id("trainingDatasetVersionId")} error={fe.trainingDatasetVersionId} hint="Optional: the registered dataset version it was trained on.">
        <select id={id("trainingDatasetVersionId")} name="trainingDatasetVersionId" defaultValue={d.trainingDatasetVersionId ?? ""} className={inputClass}>
          <option value="">Not registered / not given</option>
          {datasets.map((o) => (
            <option key={o.id} value={o.id}>{o.label}</option>
          ))}
        </select>
      </Field>
      <Field label="Training method" htmlFor={id("trainingMethod.kind")} error={fe["trainingMethod.kind"] ?? fe.trainingMethod}>
        <select id={id("trainingMethod.kind")} name="trainingMethod.kind" defaultValue={kind} onChange={(e) => setKind(e.target.value)} className={inputClass}>
          <option value="standard">Standard training</option>
          <option value="adversarial">Adversarial training</option>
          <option value="other">Other</option>
        </select>
      </Field>
      {kind === "adversarial" ? (
        <div className="grid gap-4 rounded-lg border border-slate-200 bg-slate-50 p-3 sm:col-span-2 sm:grid-cols-3">
          <Text name="trainingMethod.attack" label="Attack used in training" d={d} fe={fe} required placeholder="PGD" />
          <Field label="Norm" htmlFor={id("trainingMethod.norm")} error={fe["trainingMethod.norm"]}>
            <select id={id("trainingMethod.norm")} name="trainingMethod.norm" defaultValue={d["trainingMethod.norm"] ?? "linf"} className={inputClass}>
              <option value="linf">L∞</option>
              <option value="l2">L2</option>
            </select>
          </Field>
          <Text name="trainingMethod.epsilon" label="Budget (epsilon)" type="number" d={d} fe={fe} required placeholder="0.1" />
        </div>
      ) : kind === "other" ? (
        <div className="sm:col-span-2">
          <Area name="trainingMethod.description" label="Describe the training method" d={d} fe={fe} required rows={2} />
        </div>
      ) : null}
      <div className="grid gap-4 sm:col-span-2 sm:grid-cols-3">
        <Text name="trainingCost.epochs" label="Training epochs (optional)" type="number" d={d} fe={fe} placeholder="14" />
        <Text name="trainingCost.wallTimeHours" label="Training wall time, hours (optional)" type="number" d={d} fe={fe} placeholder="2.5" />
        <Text name="trainingCost.hardware" label="Training hardware (optional)" d={d} fe={fe} placeholder="1× A100 40 GB" />
      </div>
      <fieldset className="grid gap-4 sm:col-span-2 sm:grid-cols-3">
        <legend className="mb-1 text-sm font-medium text-slate-700 sm:col-span-3">Training privacy (a claim; privacy evaluations measure it)</legend>
        <Field label="Differential privacy" htmlFor={id("trainingPrivacy.differentialPrivacy")} error={fe["trainingPrivacy.differentialPrivacy"]}>
          <select id={id("trainingPrivacy.differentialPrivacy")} name="trainingPrivacy.differentialPrivacy" defaultValue={d["trainingPrivacy.differentialPrivacy"] ?? ""} className={inputClass}>
            <option value="">Not stated</option>
            <option value="no">No</option>
            <option value="yes">Yes (give ε)</option>
            <option value="unknown">Unknown</option>
          </select>
        </Field>
        <Text name="trainingPrivacy.epsilon" label="ε (privacy budget)" type="number" d={d} fe={fe} placeholder="8" />
        <Text name="trainingPrivacy.delta" label="δ" type="number" d={d} fe={fe} placeholder="1e-5" />
        <Text name="trainingPrivacy.mechanism" label="Mechanism (optional)" d={d} fe={fe} placeholder="DP-SGD, clip 1.0, noise 1.1" />
        <div className="sm:col-span-2"><Text name="trainingPrivacy.notes" label="Privacy notes (optional)" d={d} fe={fe} placeholder="e.g. accountant, what unit of privacy (record, user)" /></div>
      </fieldset>
      <Text name="statedAccuracy" label="Stated clean accuracy, % (optional)" type="number" d={d} fe={fe} placeholder="98.5" hint="What you measured on your own test set. An evaluation far below it is flagged as a likely preprocessing mismatch." />
      <Area name="knownLimitations" label="Known limitations" d={d} fe={fe} />
      <Area name="preprocessingNote" label="Preprocessing notes" d={d} fe={fe} hint="E.g. how raw data is resized, normalised or encoded before it reaches the model." />
    </div>
  );
}
