"use client";

import Link from "next/link";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Card } from "@/app/_components/ui";
import { DatasetCardFields } from "../../_forms/card-fields";
import { updateDatasetCardAction } from "../actions";

export function EditDatasetCardForm({ team, datasetId, versionId, back, defaults, licences }: { team: string; datasetId: string; versionId: string; back: string; defaults: Record<string, string>; licences: readonly string[] }) {
  const { state, formAction: action, pending, key, failed, values, errors } = useFormAction(updateDatasetCardAction.bind(null, team, datasetId, versionId));
  const d = failed ? { ...defaults, ...values } : defaults;
  return (
    <form key={key} action={action} aria-label="Edit dataset card" className="space-y-5">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <Card title="Dataset card">
        <DatasetCardFields d={d} fe={errors} licences={licences} />
      </Card>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Saving…" : "Save card"}</button>
        <Link href={back} className={buttonClass.secondary}>Back to the dataset</Link>
      </div>
    </form>
  );
}
