"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass } from "@/app/_components/ui";
import { TextField } from "@/app/_components/form-fields";
import { saveAlertSettingsAction } from "./actions";

export function AlertSettingsForm({ team, tolerance, webhookUrl, disabled }: { team: string; tolerance: number; webhookUrl: string; disabled: boolean }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(saveAlertSettingsAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-4" aria-label="Alert settings">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <fieldset disabled={disabled} className="grid gap-4 md:grid-cols-2">
        <TextField label="Regression tolerance (percentage points)" id="a-tol" error={fe.regressionTolerancePp} hint="A robust-accuracy drop larger than this, between two evaluations of the same model, dataset and suite, raises an alert." name="regressionTolerancePp" inputMode="decimal" defaultValue={v.regressionTolerancePp ?? String(tolerance)} />
        <TextField label="Webhook URL" id="a-url" error={fe.webhookUrl} hint="Alerts, deployments and completed evaluations are posted here as JSON, signed with HMAC-SHA256. A public address; a private one only if this instance allows it and the host and port are on Outbound hosts with private addresses allowed. Redirects are not followed. Leave empty for none." name="webhookUrl" type="url" defaultValue={v.webhookUrl ?? webhookUrl} placeholder="https://hooks.example.com/bulwark" />
      </fieldset>
      {disabled ? <p className="text-sm text-slate-500">Only team admins change these settings.</p> : <button type="submit" disabled={pending} className={buttonClass.primary}>Save</button>}
    </form>
  );
}
