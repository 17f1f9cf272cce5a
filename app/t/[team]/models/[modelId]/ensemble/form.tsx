"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { useFormDraft } from "@/app/_components/use-form-draft";
import { Alert, buttonClass, Card, Field, inputClass } from "@/app/_components/ui";
import { RiskTierOptions } from "../../_forms/card-fields";
import { registerEnsembleAction } from "./actions";

interface MemberOption { id: string; modelId: string; label: string; detail: string }

export function EnsembleForm({ team, modelId, options, defaults }: { team: string; modelId: string; options: MemberOption[]; defaults: { memberVersionIds: string[] } }) {
  const { state, formAction: action, pending, key, failed, values: v, errors: fe } = useFormAction(registerEnsembleAction.bind(null, team, modelId));
  // After an error exactly the ticked members (none ticked sends no field at all).
  const checked = new Set(failed ? (v.memberVersionIds ?? "").split(",").filter(Boolean) : defaults.memberVersionIds);
  // The user's choices outlive a navigation away and back (the defaults above are only the first proposal).
  const draft = useFormDraft(`ensemble:${team}:${modelId}`, !failed);
  const text = (name: string, label: string, hint: string, area = false) => (
    <Field label={label} htmlFor={`en-${name}`} error={fe[name]} hint={hint}>
      {area ? (
        <textarea id={`en-${name}`} name={name} rows={2} defaultValue={v[name] ?? ""} className={inputClass} aria-invalid={Boolean(fe[name])} />
      ) : (
        <input id={`en-${name}`} name={name} defaultValue={v[name] ?? ""} className={inputClass} aria-invalid={Boolean(fe[name])} />
      )}
    </Field>
  );
  return (
    <form key={key} ref={draft} action={action} className="space-y-6" aria-label="New ensemble version">
      {state?.message && !state.ok ? <Alert>{state.message}</Alert> : null}
      <Card title="Members">
        <fieldset aria-describedby="en-members-hint" aria-invalid={Boolean(fe.memberVersionIds)}>
          <legend className="mb-2 text-sm font-medium text-slate-700">Versions to combine (2 to 8)</legend>
          <p id="en-members-hint" className="mb-3 text-xs text-slate-500">Stored, active versions with weights of this team. They must share task, input shape, value range, preprocessing and class labels. Once an ensemble over them is evaluated, they become immutable; while an ensemble uses them they cannot be deleted, nor archived while it is active.</p>
          {options.length === 0 ? (
            <Alert tone="amber">This team has no active versions with weights to combine.</Alert>
          ) : (
            <ul className="space-y-1">
              {options.map((o) => (
                <li key={o.id}>
                  <label className="flex items-start gap-2 text-sm">
                    <input type="checkbox" name="memberVersionIds" value={o.id} defaultChecked={checked.has(o.id)} className="mt-1" />
                    <span><span className="font-medium">{o.label}</span>{o.detail ? <span className="text-slate-500"> · {o.detail}</span> : null}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          {fe.memberVersionIds ? <p className="mt-2 text-sm text-red-700" role="alert">{fe.memberVersionIds}</p> : null}
        </fieldset>
      </Card>
      <Card title="Combination rule">
        <fieldset>
          <legend className="sr-only">Combination rule</legend>
          <label className="flex items-start gap-2 text-sm">
            <input type="radio" name="combine" value="mean-probability" defaultChecked={(v.combine ?? "mean-probability") === "mean-probability"} className="mt-1" />
            <span><span className="font-medium">Mean probability</span> — the average of the members&apos; class probabilities. Gradient attacks take gradients through the average, so they attack the whole ensemble.</span>
          </label>
          <label className="mt-2 flex items-start gap-2 text-sm">
            <input type="radio" name="combine" value="majority-vote" defaultChecked={v.combine === "majority-vote"} className="mt-1" />
            <span><span className="font-medium">Majority vote</span> — the class most members predict (ties: the higher mean probability). A vote has no gradient: gradient attacks use the mean probability as a surrogate, and every evaluation&apos;s threat model says so.</span>
          </label>
          {fe.combine ? <p className="mt-2 text-sm text-red-700" role="alert">{fe.combine}</p> : null}
        </fieldset>
      </Card>
      <Card title="Model card (optional)">
        <p className="mb-3 text-sm text-slate-600">Task, input, classes and preprocessing come from the members. The card records the members and the rule; its training cost is the sum of the members&apos;. Fields left empty are taken from the first member (risk tier: the highest of the members&apos;).</p>
        <div className="grid gap-4 sm:grid-cols-2">
          {text("intendedUse", "Intended use", "Empty: the first member's.", true)}
          {text("outOfScopeUse", "Out-of-scope use", "Empty: the first member's.", true)}
          <Field label="Risk tier" htmlFor="en-riskTier" error={fe.riskTier} hint="Empty: the highest of the members'.">
            <select id="en-riskTier" name="riskTier" defaultValue={v.riskTier ?? ""} className={inputClass}>
              <option value="">From the members</option>
              <RiskTierOptions />
            </select>
          </Field>
          {text("owner", "Owner", "Empty: the first member's.")}
          <div className="sm:col-span-2">{text("knownLimitations", "Known limitations", "Empty: it inherits its members' limitations.", true)}</div>
        </div>
      </Card>
      <button type="submit" disabled={pending || options.length < 2} className={buttonClass.primary}>{pending ? "Checking the ensemble…" : "Register ensemble version"}</button>
    </form>
  );
}
