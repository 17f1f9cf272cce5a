"use client";

import Link from "next/link";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Card } from "@/app/_components/ui";
import { DescriptiveFields, type CardDefaults } from "../../_forms/card-fields";
import { updateCardAction } from "../actions";

export function EditCardForm({ team, modelId, versionId, back, defaults, datasets }: { team: string; modelId: string; versionId: string; back: string; defaults: CardDefaults; datasets: { id: string; label: string }[] }) {
  const { state, formAction: action, pending, key, failed, values, errors } = useFormAction(updateCardAction.bind(null, team, modelId, versionId));
  // After an error the form shows what was typed; after a save, the saved card.
  const d = failed ? { ...defaults, ...values } : defaults;
  return (
    <form key={key} action={action} aria-label="Edit model card" className="space-y-5">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <Card title="Model card">
        <DescriptiveFields d={d} fe={errors} datasets={datasets} />
      </Card>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Saving…" : "Save card"}</button>
        <Link href={back} className={buttonClass.secondary}>Back to the model</Link>
      </div>
    </form>
  );
}
