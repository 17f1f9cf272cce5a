"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { acknowledgeDriftAlertAction } from "./actions";

export function AcknowledgeForm({ team, modelId, alertId }: { team: string; modelId: string; alertId: string }) {
  const { state, formAction: action, pending, key, values: v } = useFormAction(acknowledgeDriftAlertAction.bind(null, team, modelId));
  return (
    <form key={key} action={action} className="mt-2 flex flex-wrap items-start gap-2" aria-label="Acknowledge alert">
      <input type="hidden" name="alertId" value={alertId} />
      <label className="sr-only" htmlFor={`ack-${alertId}`}>What was decided</label>
      <input id={`ack-${alertId}`} name="note" placeholder="What was decided" defaultValue={v.note ?? ""} className={inputClass + " max-w-md"} />
      <button type="submit" disabled={pending} className={buttonClass.secondary}>{pending ? "Saving…" : "Acknowledge"}</button>
      {state?.message ? <span role={state.ok ? "status" : "alert"} className={`text-xs ${state.ok ? "text-emerald-700" : "text-rose-700"}`}>{state.fieldErrors?.note ?? state.message}</span> : null}
    </form>
  );
}
