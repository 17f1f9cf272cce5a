"use client";

import { ButtonForm, NoteForm } from "@/app/_components/form-fields";
import { Alert, buttonClass, inputClass } from "@/app/_components/ui";
import { acknowledgeAlertAction, cancelEvaluationAction } from "../actions";

export function CancelButton({ team, evaluationId, number }: { team: string; evaluationId: string; number: number }) {
  return (
    <ButtonForm action={cancelEvaluationAction.bind(null, team)} fields={{ evaluationId }} confirm={`Cancel evaluation #${number}? Queued shards are dropped and running ones stop.`}>
      {(pending) => <button type="submit" disabled={pending} className={buttonClass.danger}>{pending ? "Cancelling…" : "Cancel evaluation"}</button>}
    </ButtonForm>
  );
}

export function AcknowledgeForm({ team, alertId }: { team: string; alertId: string }) {
  return (
    <NoteForm
      action={acknowledgeAlertAction.bind(null, team)}
      label="Acknowledge alert"
      record={["alertId", alertId]}
      field={{ id: `ack-${alertId}`, name: "note", label: "Acknowledgement note", placeholder: "What was decided (e.g. accepted: v2 retrained, re-evaluating)", className: `${inputClass} max-w-md flex-1` }}
      className="mt-3 flex flex-wrap items-start gap-2"
    >
      {({ state, pending }) => (
        <>
          <button type="submit" disabled={pending} className={buttonClass.secondary}>Acknowledge</button>
          {state?.message ? <div className="w-full"><Alert tone={state.ok ? "green" : "red"}>{state.fieldErrors?.note ?? state.message}</Alert></div> : null}
        </>
      )}
    </NoteForm>
  );
}
