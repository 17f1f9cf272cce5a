"use client";

import { useState } from "react";
import { Field, inputClass } from "@/app/_components/ui";
import { FilesInput, RegistryUploadForm } from "../../_registry/upload-form";
import { DatasetCardFields, type DatasetDefaults } from "./card-fields";

const FORMAT_HINTS: Record<string, string> = {
  "image-zip": "One .zip with a folder per class, each holding PNG or JPEG images of the same size (e.g. cat/001.png, dog/002.jpg). Pixel values are scaled to 0..1.",
  idx: "Two IDX files (the MNIST format), plain or .gz: the images (e.g. t10k-images-idx3-ubyte) and the labels (t10k-labels-idx1-ubyte). Or one .zip holding both.",
  csv: "One CSV file with a header row: numeric feature columns and one label column (named below).",
};

export function DatasetUploadForm({ team, dataset, defaults, licences, maxBytes }: { team: string; dataset?: { id: string; name: string; next: number }; defaults: DatasetDefaults; licences: readonly string[]; maxBytes: number }) {
  const [format, setFormat] = useState(defaults.format ?? "image-zip");
  return (
    <RegistryUploadForm
      team={team}
      noun="dataset"
      record={dataset}
      cards={{ "Dataset card": (fe) => <DatasetCardFields d={defaults} fe={fe} licences={licences} /> }}
    >
      {(fe) => (
        <>
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
            <FilesInput
              id="dc-files"
              label="Files"
              error={fe.files}
              hint={FORMAT_HINTS[format]}
              multiple={format === "idx"}
              accept={format === "csv" ? ".csv,text/csv" : format === "image-zip" ? ".zip,application/zip" : undefined}
              maxBytes={maxBytes}
            />
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
        </>
      )}
    </RegistryUploadForm>
  );
}
