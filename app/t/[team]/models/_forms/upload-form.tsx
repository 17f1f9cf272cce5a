"use client";

import { Field, inputClass } from "@/app/_components/ui";
import { FilesInput, RegistryUploadForm } from "../../_registry/upload-form";
import { DescriptiveFields, StructuralFields, type CardDefaults } from "./card-fields";

export function ModelUploadForm({ team, model, defaults, datasets, maxBytes }: { team: string; model?: { id: string; name: string; next: number }; defaults: CardDefaults; datasets: { id: string; label: string }[]; maxBytes: number }) {
  return (
    <RegistryUploadForm
      team={team}
      noun="model"
      record={model}
      newRecordFields={(fe) => (
        <Field label="Description" htmlFor="mc-description" error={fe.description}>
          <input id="mc-description" name="description" maxLength={2000} className={inputClass} />
        </Field>
      )}
      cards={{
        "Inputs and outputs": (fe) => <StructuralFields d={defaults} fe={fe} />,
        "Model card": (fe) => <DescriptiveFields d={defaults} fe={fe} datasets={datasets} />,
      }}
    >
      {(fe) => (
        <div className="sm:col-span-2">
          <FilesInput
            id="mc-files"
            label="Model files"
            error={fe.files}
            hint="A TensorFlow.js LayersModel (one .zip holding model.json and its weight shards, or model.json and the .bin files together), or an ONNX model (a .onnx file, or a .zip with it and its external-data files)."
            multiple
            accept=".zip,.json,.bin,.onnx,.data,application/zip,application/json,application/octet-stream"
            maxBytes={maxBytes}
          />
        </div>
      )}
    </RegistryUploadForm>
  );
}
