"use client";

import { useState } from "react";
import { Alert, buttonClass, Card, Field, inputClass } from "@/app/_components/ui";
import { UploadProgress, useXhrUpload } from "@/app/_components/xhr-upload";
import { formatBytes } from "@/lib/registry/format";
import { DatasetCardFields, type DatasetDefaults } from "./card-fields";

const FORMAT_HINTS: Record<string, string> = {
  "image-zip": "One .zip with a folder per class, each holding PNG or JPEG images of the same size (e.g. cat/001.png, dog/002.jpg). Pixel values are scaled to 0..1.",
  idx: "Two IDX files (the MNIST format), plain or .gz: the images (e.g. t10k-images-idx3-ubyte) and the labels (t10k-labels-idx1-ubyte). Or one .zip holding both.",
  csv: "One CSV file with a header row: numeric feature columns and one label column (named below).",
};

export function DatasetUploadForm({ team, dataset, defaults, licences, maxBytes }: { team: string; dataset?: { id: string; name: string; next: number }; defaults: DatasetDefaults; licences: readonly string[]; maxBytes: number }) {
  const { state, submit, cancel } = useXhrUpload(`/t/${team}/datasets/upload`);
  const [format, setFormat] = useState(defaults.format ?? "image-zip");
  const [chosen, setChosen] = useState<{ name: string; size: number }[]>([]);
  const fe = state.fieldErrors;
  const busy = state.phase === "uploading" || state.phase === "checking" || state.phase === "done";
  return (
    <form
      aria-label={dataset ? `Upload version ${dataset.next} of ${dataset.name}` : "Register a dataset"}
      className="space-y-6"
      onSubmit={(e) => {
        e.preventDefault();
        submit(e.currentTarget);
      }}
    >
      {state.message && state.phase !== "uploading" ? <Alert tone={state.phase === "done" ? "green" : state.phase === "idle" ? "amber" : "red"}>{state.message}</Alert> : null}
      <Card title="Dataset and files">
        <div className="grid gap-4 sm:grid-cols-2">
          {dataset ? (
            <input type="hidden" name="datasetId" value={dataset.id} />
          ) : (
            <div className="sm:col-span-2">
              <Field label="Dataset name" htmlFor="dc-name" error={fe.name} hint="Unique in this team, e.g. mnist-eval.">
                <input id="dc-name" name="name" required maxLength={80} className={inputClass} aria-invalid={Boolean(fe.name)} />
              </Field>
            </div>
          )}
          <Field label="Format" htmlFor="dc-format" error={fe.format}>
            <select id="dc-format" name="format" defaultValue={format} onChange={(e) => setFormat(e.target.value)} className={inputClass}>
              <option value="image-zip">Images: zip of class folders (PNG/JPEG)</option>
              <option value="idx">IDX images + labels (MNIST format)</option>
              <option value="csv">CSV (tabular, numeric features)</option>
            </select>
          </Field>
          {format === "csv" ? (
            <Field label="Label column" htmlFor="dc-labelColumn" error={fe.labelColumn} hint="The header name of the column holding the class.">
              <input id="dc-labelColumn" name="labelColumn" required defaultValue={defaults.labelColumn ?? ""} className={inputClass} aria-invalid={Boolean(fe.labelColumn)} />
            </Field>
          ) : (
            <div />
          )}
          <div className="sm:col-span-2">
            <Field label="Files" htmlFor="dc-files" error={fe.files} hint={`${FORMAT_HINTS[format]} Up to ${formatBytes(maxBytes)}.`}>
              <input
                id="dc-files"
                name="files"
                type="file"
                multiple={format === "idx"}
                required
                accept={format === "csv" ? ".csv,text/csv" : format === "image-zip" ? ".zip,application/zip" : undefined}
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
          <div className="sm:col-span-2">
            <Field
              label="Class labels (optional)"
              htmlFor="dc-classLabels"
              error={fe.classLabels}
              hint={format === "idx" ? "Names for label 0, 1, 2, … in order. Default: the numbers themselves." : "The order of the classes. Default: folder or label names in natural order (0, 1, 2, …, 10)."}
            >
              <input id="dc-classLabels" name="classLabels" defaultValue={defaults.classLabels ?? ""} placeholder="comma-separated" className={inputClass} aria-invalid={Boolean(fe.classLabels)} />
            </Field>
          </div>
        </div>
      </Card>
      <Card title="Dataset card">
        <DatasetCardFields d={defaults} fe={fe} licences={licences} />
      </Card>
      <UploadProgress state={state} onCancel={cancel} />
      <div className="flex items-center gap-3">
        <button type="submit" disabled={busy} className={buttonClass.primary}>
          {state.phase === "uploading" ? "Uploading…" : state.phase === "checking" ? "Checking…" : dataset ? `Upload version ${dataset.next}` : "Register dataset"}
        </button>
        <p className="text-xs text-slate-500">Nothing is stored unless every check passes.</p>
      </div>
    </form>
  );
}
