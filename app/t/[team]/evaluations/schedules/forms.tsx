"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { TextField } from "@/app/_components/form-fields";
import { createScheduleAction, deleteScheduleAction, pauseScheduleAction, resumeScheduleAction, updateScheduleAction } from "./actions";

export function ScheduleForm({ team, models, datasets, editing }: { team: string; models: { id: string; label: string }[]; datasets: { id: string; label: string }[]; editing?: { id: string; values: Record<string, string> } }) {
  const { state, formAction: action, pending, key, failed, values, errors: fe } = useFormAction(editing ? updateScheduleAction.bind(null, team, editing.id) : createScheduleAction.bind(null, team));
  const v = failed ? values : (editing?.values ?? {});
  return (
    <form key={key} action={action} className="space-y-4" aria-label={editing ? "Edit schedule" : "New schedule"}>
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="grid gap-4 md:grid-cols-3">
        <TextField label="Name" id="s-name" error={fe.name} name="name" defaultValue={v.name ?? "Nightly robustness check"} />
        <Field label="Model (latest active version)" htmlFor="s-model" error={fe.modelId}>
          <select id="s-model" name="modelId" defaultValue={v.modelId} className={inputClass}>
            {models.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
          </select>
        </Field>
        <Field label="Dataset version" htmlFor="s-dataset" error={fe.datasetVersionId}>
          <select id="s-dataset" name="datasetVersionId" defaultValue={v.datasetVersionId ?? datasets.find((d) => /eval|test/i.test(d.label))?.id} className={inputClass}>
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
          </select>
        </Field>
        <Field label="Suite" htmlFor="s-preset" error={fe.preset}>
          <select id="s-preset" name="preset" defaultValue={v.preset ?? "quick"} className={inputClass}>
            <option value="quick">Quick (FGSM + PGD-10)</option>
            <option value="standard">Standard (AutoAttack-style)</option>
          </select>
        </Field>
        <TextField label="Samples" id="s-samples" error={fe.sampleCount} name="sampleCount" inputMode="numeric" defaultValue={v.sampleCount ?? "500"} />
        <Field label="When" htmlFor="s-cron" error={fe.cron} hint="daily (03:00), weekly (Monday 03:00) or a cron expression">
          <input id="s-cron" name="cron" list="cron-presets" defaultValue={v.cron ?? "daily"} className={inputClass} />
          <datalist id="cron-presets"><option value="daily" /><option value="weekly" /><option value="0 */6 * * *" /></datalist>
        </Field>
      </div>
      <input type="hidden" name="timezone" value="UTC" />
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Saving…" : editing ? "Save changes" : "Create schedule"}</button>
    </form>
  );
}

export function ScheduleRowActions({ team, id, paused, name }: { team: string; id: string; paused: boolean; name: string }) {
  const [tState, toggle, tPending] = useActionState<ActionState, FormData>((paused ? resumeScheduleAction : pauseScheduleAction).bind(null, team), null);
  const [dState, remove, dPending] = useActionState<ActionState, FormData>(deleteScheduleAction.bind(null, team), null);
  const err = (tState && !tState.ok && tState.message) || (dState && !dState.ok && dState.message);
  return (
    <div className="flex items-center gap-2">
      <form action={toggle}><input type="hidden" name="scheduleId" value={id} /><button type="submit" disabled={tPending} className={buttonClass.secondary + " py-1.5"} aria-label={`${paused ? "Resume" : "Pause"} ${name}`}>{paused ? "Resume" : "Pause"}</button></form>
      <form action={remove} onSubmit={(e) => { if (!confirm(`Delete the schedule "${name}"?`)) e.preventDefault(); }}><input type="hidden" name="scheduleId" value={id} /><button type="submit" disabled={dPending} className={buttonClass.danger} aria-label={`Delete ${name}`}>Delete</button></form>
      {err ? <span role="alert" className="text-xs text-rose-700">{err}</span> : null}
    </div>
  );
}
