"use client";

import { useState } from "react";
import { Alert, buttonClass, Card, Field, inputClass } from "@/app/_components/ui";
import { UploadProgress, useXhrUpload } from "@/app/_components/xhr-upload";
import { formatBytes } from "@/lib/registry/format";
import { DescriptiveFields, StructuralFields, type CardDefaults } from "./card-fields";

export function ModelUploadForm({ team, model, defaults, datasets, maxBytes }: { team: string; model?: { id: string; name: string; next: number }; defaults: CardDefaults; datasets: { id: string; label: string }[]; maxBytes: number }) {
  const { state, submit, cancel } = useXhrUpload(`/t/${team}/models/upload`);
  const [chosen, setChosen] = useState<{ name: string; size: number }[]>([]);
  const fe = state.fieldErrors;
  const busy = state.phase === "uploading" || state.phase === "checking" || state.phase === "done";
  return (
    <form
      aria-label={model ? `Upload version ${model.next} of ${model.name}` : "Register a model"}
      className="space-y-6"
      onSubmit={(e) => {
        e.preventDefault();
        submit(e.currentTarget);
      }}
    >
      {state.message && state.phase !== "uploading" ? <Alert tone={state.phase === "done" ? "green" : state.phase === "idle" ? "amber" : "red"}>{state.message}</Alert> : null}
      <Card title="Model and files">
        <div className="grid gap-4 sm:grid-cols-2">
          {model ? (
            <input type="hidden" name="modelId" value={model.id} />
          ) : (
            <>
              <Field label="Model name" htmlFor="mc-name" error={fe.name} hint="Unique in this team, e.g. digits-cnn.">
                <input id="mc-name" name="name" required maxLength={80} className={inputClass} aria-invalid={Boolean(fe.name)} />
              </Field>
              <Field label="Description" htmlFor="mc-description" error={fe.description}>
                <input id="mc-description" name="description" maxLength={2000} className={inputClass} />
              </Field>
            </>
          )}
          <div className="sm:col-span-2">
            <Field
              label="Model files"
              htmlFor="mc-files"
              error={fe.files}
              hint={`A TensorFlow.js LayersModel (one .zip holding model.json and its weight shards, or model.json and the .bin files together), or an ONNX model (a .onnx file, or a .zip with it and its external-data files). Up to ${formatBytes(maxBytes)}.`}
            >
              <input
                id="mc-files"
                name="files"
                type="file"
                multiple
                required
                accept=".zip,.json,.bin,.onnx,.data,application/zip,application/json,application/octet-stream"
                onChange={(e) => setChosen(Array.from(e.currentTarget.files ?? []).map((f) => ({ name: f.name, size: f.size })))}
                className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100"
                aria-invalid={Boolean(fe.files)}
              />
            </Field>
            {chosen.length ? (
              <ul className="mt-2 text-xs text-slate-600">
                {chosen.map((f) => (
                  <li key={f.name}>
                    {f.name} · {formatBytes(f.size)}
                    {f.size > maxBytes ? <span className="text-rose-700"> — larger than the limit</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </div>
      </Card>
      <Card title="Inputs and outputs">
        <StructuralFields d={defaults} fe={fe} />
      </Card>
      <Card title="Model card">
        <DescriptiveFields d={defaults} fe={fe} datasets={datasets} />
      </Card>
      <UploadProgress state={state} onCancel={cancel} />
      <div className="flex items-center gap-3">
        <button type="submit" disabled={busy} className={buttonClass.primary}>
          {state.phase === "uploading" ? "Uploading…" : state.phase === "checking" ? "Checking…" : model ? `Upload version ${model.next}` : "Register model"}
        </button>
        <p className="text-xs text-slate-500">Nothing is stored unless every check passes.</p>
      </div>
    </form>
  );
}
