"use client";

import Link from "@/app/_components/link";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Card } from "@/app/_components/ui";
import { DescriptiveFields } from "../models/_forms/card-fields";
import { DatasetCardFields } from "../datasets/_forms/card-fields";
import { updateCardAction } from "./actions";

/** The card editor of a model or dataset version: after an error it shows what was typed, after a save the saved card. */
export function EditCardForm({ path, team, id, versionId, back, defaults, datasets = [], licences = [] }: {
  path: "models" | "datasets";
  team: string;
  id: string;
  versionId: string;
  back: string;
  defaults: Record<string, string>;
  /** Models: the dataset versions a model can name as its training data. */
  datasets?: { id: string; label: string }[];
  /** Datasets: the licences offered. */
  licences?: readonly string[];
}) {
  const { state, formAction: action, pending, key, failed, values, errors } = useFormAction(updateCardAction.bind(null, path, team, id, versionId));
  const d = failed ? { ...defaults, ...values } : defaults;
  const noun = path === "models" ? "model" : "dataset";
  return (
    <form key={key} action={action} aria-label={`Edit ${noun} card`} className="space-y-5">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <Card title={path === "models" ? "Model card" : "Dataset card"}>
        {path === "models" ? <DescriptiveFields d={d} fe={errors} datasets={datasets} /> : <DatasetCardFields d={d} fe={errors} licences={licences} />}
      </Card>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Saving…" : "Save card"}</button>
        <Link href={back} className={buttonClass.secondary}>Back to the {noun}</Link>
      </div>
    </form>
  );
}
