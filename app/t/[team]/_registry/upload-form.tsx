"use client";

import { useState, type ReactNode } from "react";
import { Alert, buttonClass, Card, Field, inputClass } from "@/app/_components/ui";
import { UploadProgress, useXhrUpload, type UploadState } from "@/app/_components/xhr-upload";
import { formatBytes } from "@/lib/registry/format";

// The model and dataset upload forms' common frame: posted with progress to the kind's upload route, the
// server's answer on top, then the "… and files" card (the record's id for a new version, else the kind's
// name field and any other fields of a new record, then `children`), the kind's own cards, the progress bar
// and the submit button.

type FieldErrors = UploadState["fieldErrors"];

/** A new record's name field: its id and an example name in the hint. */
const NAME_FIELD = { model: { id: "mc-name", example: "digits-cnn" }, dataset: { id: "dc-name", example: "mnist-eval" } } as const;

export function RegistryUploadForm({ team, noun, record, newRecordFields, cards, children }: {
  team: string;
  noun: "model" | "dataset";
  record?: { id: string; name: string; next: number };
  /** More fields of a new record, beside its name (which then takes one column, not the row). */
  newRecordFields?: (fe: FieldErrors) => ReactNode;
  /** The kind's own cards, after the files card: each one's fields by its title. */
  cards: Record<string, (fe: FieldErrors) => ReactNode>;
  children: (fe: FieldErrors) => ReactNode;
}) {
  const { state, submit, cancel } = useXhrUpload(`/t/${team}/${noun}s/upload`);
  const fe = state.fieldErrors;
  const Noun = noun === "model" ? "Model" : "Dataset";
  const nameField = NAME_FIELD[noun];
  const busy = state.phase === "uploading" || state.phase === "checking" || state.phase === "done";
  return (
    <form
      aria-label={record ? `Upload version ${record.next} of ${record.name}` : `Register a ${noun}`}
      className="space-y-6"
      onSubmit={(e) => {
        e.preventDefault();
        submit(e.currentTarget);
      }}
    >
      {state.message && state.phase !== "uploading" ? <Alert tone={state.phase === "done" ? "green" : state.phase === "idle" ? "amber" : "red"}>{state.message}</Alert> : null}
      <Card title={`${Noun} and files`}>
        <div className="grid gap-4 sm:grid-cols-2">
          {record ? (
            <input type="hidden" name={`${noun}Id`} value={record.id} />
          ) : (
            <>
              <div className={newRecordFields ? undefined : "sm:col-span-2"}>
                <Field label={`${Noun} name`} htmlFor={nameField.id} error={fe.name} hint={`Unique in this team, e.g. ${nameField.example}.`}>
                  <input id={nameField.id} name="name" required maxLength={80} className={inputClass} aria-invalid={Boolean(fe.name)} />
                </Field>
              </div>
              {newRecordFields?.(fe)}
            </>
          )}
          {children(fe)}
        </div>
      </Card>
      {Object.entries(cards).map(([title, fields]) => <Card key={title} title={title}>{fields(fe)}</Card>)}
      <UploadProgress state={state} onCancel={cancel} />
      <div className="flex items-center gap-3">
        <button type="submit" disabled={busy} className={buttonClass.primary}>
          {state.phase === "uploading" ? "Uploading…" : state.phase === "checking" ? "Checking…" : record ? `Upload version ${record.next}` : `Register ${noun}`}
        </button>
        <p className="text-xs text-slate-500">Nothing is stored unless every check passes.</p>
      </div>
    </form>
  );
}

/** The file picker, with the chosen files listed and those over the limit named. */
export function FilesInput({ id, label, error, hint, multiple, accept, maxBytes }: { id: string; label: string; error?: string; hint: string; multiple: boolean; accept?: string; maxBytes: number }) {
  const [chosen, setChosen] = useState<{ name: string; size: number }[]>([]);
  return (
    <>
      <Field label={label} htmlFor={id} error={error} hint={`${hint} Up to ${formatBytes(maxBytes)}.`}>
        <input
          id={id}
          name="files"
          type="file"
          multiple={multiple}
          required
          accept={accept}
          onChange={(e) => setChosen(Array.from(e.currentTarget.files ?? []).map((f) => ({ name: f.name, size: f.size })))}
          className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100"
          aria-invalid={Boolean(error)}
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
    </>
  );
}
