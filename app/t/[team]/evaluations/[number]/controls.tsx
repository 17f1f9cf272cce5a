"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, inputClass } from "@/app/_components/ui";
import { acknowledgeAlertAction, cancelEvaluationAction } from "../actions";

export function CancelButton({ team, evaluationId, number }: { team: string; evaluationId: string; number: number }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(cancelEvaluationAction.bind(null, team), null);
  return (
    <form action={action} onSubmit={(e) => { if (!confirm(`Cancel evaluation #${number}? Queued shards are dropped and running ones stop.`)) e.preventDefault(); }} className="flex items-center gap-2">
      <input type="hidden" name="evaluationId" value={evaluationId} />
      <button type="submit" disabled={pending} className={buttonClass.danger}>{pending ? "Cancelling…" : "Cancel evaluation"}</button>
      {state && !state.ok ? <span role="alert" className="text-sm text-rose-700">{state.message}</span> : null}
    </form>
  );
}

export function AcknowledgeForm({ team, alertId }: { team: string; alertId: string }) {
  const { state, formAction: action, pending, key, values: v } = useFormAction(acknowledgeAlertAction.bind(null, team));
  return (
    <form key={key} action={action} className="mt-3 flex flex-wrap items-start gap-2" aria-label="Acknowledge alert">
      <input type="hidden" name="alertId" value={alertId} />
      <label htmlFor={`ack-${alertId}`} className="sr-only">Acknowledgement note</label>
      <input id={`ack-${alertId}`} name="note" defaultValue={v.note} placeholder="What was decided (e.g. accepted: v2 retrained, re-evaluating)" className={`${inputClass} max-w-md flex-1`} />
      <button type="submit" disabled={pending} className={buttonClass.secondary}>Acknowledge</button>
      {state?.message ? <div className="w-full"><Alert tone={state.ok ? "green" : "red"}>{state.fieldErrors?.note ?? state.message}</Alert></div> : null}
    </form>
  );
}
