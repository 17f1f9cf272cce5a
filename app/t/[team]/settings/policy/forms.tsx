"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { overrideAction, resetOverrideAction, savePolicyAction } from "./actions";

const TIERS = [["minimal", "Minimal"], ["limited", "Limited"], ["high", "High"], ["unacceptable", "Unacceptable"]] as const;

const MONITORING_INPUTS: [string, string, string][] = [
  ["psiWarning", "Input drift: PSI warning", "Population stability index per input statistic; 0.1 is customary."],
  ["psiCritical", "Input drift: PSI critical", "0.25 is the customary major shift."],
  ["ksPValue", "Input drift: KS p-value", "A statistic counts as shifted below this, e.g. 0.01."],
  ["predictionPsiWarning", "Prediction shift: PSI", "On the predicted-class distribution."],
  ["confidenceDropPp", "Confidence drop (points)", "Drop in mean top-1 confidence."],
  ["attackShareWarning", "Attack pattern: share", "Share of raw samples near a decision boundary, e.g. 0.2."],
  ["resolveAfterBatches", "Clean batches to resolve", "Consecutive clean batches that close an incident."],
];

export function PolicyForm({ team, values, readOnly }: { team: string; values: Record<string, string>; readOnly: boolean }) {
  const { state, formAction: action, pending, key, failed, values: sent, errors: fe } = useFormAction(savePolicyAction.bind(null, team));
  const v = failed ? sent : values;
  return (
    <form action={action} className="space-y-5" aria-label="Robustness policy" key={key}>
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <fieldset disabled={readOnly} className="space-y-5">
        <div className="grid gap-4 lg:grid-cols-2">
          {TIERS.map(([t, label]) => (
            <section key={t} className="rounded-lg border border-slate-200 p-4" aria-label={`${label}-risk models`}>
              <h3 className="mb-3 text-sm font-semibold text-slate-800">{label}-risk models</h3>
              <div className="grid gap-3 sm:grid-cols-2">
                <Field label="Thresholds" htmlFor={`${t}-thr`} error={fe[`${t}.thresholds`]} hint={'One per line: norm, epsilon, minimum worst-case robust accuracy, e.g. "linf 0.1 60%". Epsilon is in the model\'s input range.'}>
                  <textarea id={`${t}-thr`} name={`${t}.thresholds`} rows={2} defaultValue={v[`${t}.thresholds`]} className={`${inputClass} font-mono`} aria-invalid={Boolean(fe[`${t}.thresholds`])} />
                </Field>
                <Field label="Minimum clean accuracy (%)" htmlFor={`${t}-clean`} error={fe[`${t}.minCleanAccuracy`]} hint="Empty: no minimum.">
                  <input id={`${t}-clean`} name={`${t}.minCleanAccuracy`} inputMode="decimal" defaultValue={v[`${t}.minCleanAccuracy`]} className={inputClass} />
                </Field>
                <Field label="Minimum attacks" htmlFor={`${t}-att`} error={fe[`${t}.minAttacks`]}>
                  <input id={`${t}-att`} name={`${t}.minAttacks`} inputMode="numeric" defaultValue={v[`${t}.minAttacks`]} className={inputClass} />
                </Field>
                <Field label="Minimum samples" htmlFor={`${t}-n`} error={fe[`${t}.minSampleCount`]}>
                  <input id={`${t}-n`} name={`${t}.minSampleCount`} inputMode="numeric" defaultValue={v[`${t}.minSampleCount`]} className={inputClass} />
                </Field>
                <Field label="Maximum evidence age (days)" htmlFor={`${t}-age`} error={fe[`${t}.maxEvidenceAgeDays`]} hint="Older evidence is stale.">
                  <input id={`${t}-age`} name={`${t}.maxEvidenceAgeDays`} inputMode="numeric" defaultValue={v[`${t}.maxEvidenceAgeDays`]} className={inputClass} />
                </Field>
                <Field label="Required evaluation checks" htmlFor={`${t}-ver`} error={fe[`${t}.requiredVerdict`]} hint="An evaluation whose checks failed never counts as evidence.">
                  <select id={`${t}-ver`} name={`${t}.requiredVerdict`} defaultValue={v[`${t}.requiredVerdict`]} className={inputClass}>
                    <option value="reliable">Evaluation checks passed</option>
                    <option value="questionable">Checks passed, or passed with warnings</option>
                  </select>
                </Field>
                <Field label="Regression tolerance (points)" htmlFor={`${t}-reg`} error={fe[`${t}.regressionTolerancePp`]}>
                  <input id={`${t}-reg`} name={`${t}.regressionTolerancePp`} inputMode="decimal" defaultValue={v[`${t}.regressionTolerancePp`]} className={inputClass} />
                </Field>
                <Field label="Maximum calibration error (ECE)" htmlFor={`${t}-ece`} error={fe[`${t}.maxEce`]} hint="Clean ECE, 15 bins, e.g. 0.1. Empty: none.">
                  <input id={`${t}-ece`} name={`${t}.maxEce`} inputMode="decimal" defaultValue={v[`${t}.maxEce`]} className={inputClass} />
                </Field>
                <Field label="Minimum OOD-detection AUROC" htmlFor={`${t}-ood`} error={fe[`${t}.minOodAuroc`]} hint="Max softmax probability, e.g. 0.8. Empty: none.">
                  <input id={`${t}-ood`} name={`${t}.minOodAuroc`} inputMode="decimal" defaultValue={v[`${t}.minOodAuroc`]} className={inputClass} />
                </Field>
                <Field label="Minimum accuracy under corruptions (%)" htmlFor={`${t}-corr`} error={fe[`${t}.minCorruptionAccuracy`]} hint="Mean over corruptions and severities. Empty: none.">
                  <input id={`${t}-corr`} name={`${t}.minCorruptionAccuracy`} inputMode="decimal" defaultValue={v[`${t}.minCorruptionAccuracy`]} className={inputClass} />
                </Field>
                <Field label="Maximum share of likely mislabelled training examples (%)" htmlFor={`${t}-mislabel`} error={fe[`${t}.maxSuspectedMislabelShare`]} hint="Confident learning on out-of-sample predictions (integrity scan). Empty: none.">
                  <input id={`${t}-mislabel`} name={`${t}.maxSuspectedMislabelShare`} inputMode="decimal" defaultValue={v[`${t}.maxSuspectedMislabelShare`]} className={inputClass} />
                </Field>
                <div className="space-y-2 pt-6 text-sm text-slate-700">
                  <label className="flex items-center gap-2"><input type="checkbox" name={`${t}.requireNoLiveBackdoor`} defaultChecked={v[`${t}.requireNoLiveBackdoor`] === "on"} /> No live backdoor in the training-data scan</label>
                  <label className="flex items-center gap-2"><input type="checkbox" name={`${t}.requireNoLeakage`} defaultChecked={v[`${t}.requireNoLeakage`] === "on"} /> No train/test leakage</label>
                </div>
                <Field label="Maximum membership-inference AUC" htmlFor={`${t}-mia`} error={fe[`${t}.maxMiaAuc`]} hint="Strongest attack of a privacy evaluation, e.g. 0.6 (0.5 = guessing). Empty: none.">
                  <input id={`${t}-mia`} name={`${t}.maxMiaAuc`} inputMode="decimal" defaultValue={v[`${t}.maxMiaAuc`]} className={inputClass} />
                </Field>
                <Field label="Maximum membership TPR at 1% FPR (%)" htmlFor={`${t}-tpr1`} error={fe[`${t}.maxTprAt1Fpr`]} hint="Needs at least 100 non-members to measure. Empty: none.">
                  <input id={`${t}-tpr1`} name={`${t}.maxTprAt1Fpr`} inputMode="decimal" defaultValue={v[`${t}.maxTprAt1Fpr`]} className={inputClass} />
                </Field>
                <Field label="Maximum membership TPR at 0.1% FPR (%)" htmlFor={`${t}-tpr01`} error={fe[`${t}.maxTprAt01Fpr`]} hint="Needs at least 1,000 non-members to measure. Empty: none.">
                  <input id={`${t}-tpr01`} name={`${t}.maxTprAt01Fpr`} inputMode="decimal" defaultValue={v[`${t}.maxTprAt01Fpr`]} className={inputClass} />
                </Field>
                <div className="space-y-2 pt-6 text-sm text-slate-700">
                  <label className="flex items-center gap-2"><input type="checkbox" name={`${t}.requireIterative`} defaultChecked={v[`${t}.requireIterative`] === "on"} /> Needs an iterative attack (PGD/APGD)</label>
                  <label className="flex items-center gap-2"><input type="checkbox" name={`${t}.requireSchedule`} defaultChecked={v[`${t}.requireSchedule`] === "on"} /> Needs a re-evaluation schedule</label>
                </div>
                <div className="sm:col-span-2">
                  <Field label="Controls that also need an attestation" htmlFor={`${t}-req`} error={fe[`${t}.attestationRequired`]} hint='One control key per line, e.g. "nist-ai-rmf:MEASURE 2.7". Controls without direct evidence always need one.'>
                    <textarea id={`${t}-req`} name={`${t}.attestationRequired`} rows={4} defaultValue={v[`${t}.attestationRequired`]} className={`${inputClass} font-mono text-xs`} />
                  </Field>
                </div>
              </div>
            </section>
          ))}
        </div>
        <section aria-labelledby="p-monitoring" className="rounded-lg border border-slate-200 p-4">
          <h3 id="p-monitoring" className="text-sm font-semibold text-slate-900">Production monitoring</h3>
          <p className="mb-3 text-xs text-slate-500">Drift and attack-pattern alerts on the statistics deployed models send (Operations → monitoring). Warning at the first figure, critical at the second.</p>
          <div className="grid gap-4 sm:grid-cols-4">
            {MONITORING_INPUTS.map(([k, label, hint]) => (
              <Field key={k} label={label} htmlFor={`p-mon-${k}`} error={fe[`monitoring.${k}`]} hint={hint}>
                <input id={`p-mon-${k}`} name={`monitoring.${k}`} inputMode="decimal" defaultValue={v[`monitoring.${k}`]} className={inputClass} />
              </Field>
            ))}
          </div>
        </section>
        <div className="grid gap-4 sm:grid-cols-3">
          <label className="flex items-center gap-2 pt-6 text-sm text-slate-700"><input type="checkbox" name="segregationOfDuties" defaultChecked={v.segregationOfDuties === "on"} /> Segregation of duties: a model&apos;s owner may not attest its controls</label>
          <Field label="Longest attestation validity (days)" htmlFor="p-maxatt" error={fe.maxAttestationDays}>
            <input id="p-maxatt" name="maxAttestationDays" inputMode="numeric" defaultValue={v.maxAttestationDays} className={inputClass} />
          </Field>
          <Field label="Note for the audit log" htmlFor="p-note" hint="Why the policy changes.">
            <input id="p-note" name="note" defaultValue={v.note} className={inputClass} />
          </Field>
        </div>
        {readOnly ? null : <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Saving…" : "Save as new version"}</button>}
      </fieldset>
    </form>
  );
}

export function OverrideForm({ team, controls }: { team: string; controls: { key: string; label: string }[] }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(overrideAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-3" aria-label="Change a mapping">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="grid gap-3 sm:grid-cols-4">
        <Field label="Evidence" htmlFor="o-ev" error={fe.evidence}>
          <select id="o-ev" name="evidence" defaultValue={v.evidence} className={inputClass}>
            {["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12"].map((e) => <option key={e}>{e}</option>)}
          </select>
        </Field>
        <Field label="Control" htmlFor="o-ctl" error={fe.control}>
          <input id="o-ctl" name="control" list="o-controls" placeholder="nist-ai-rmf:MEASURE 2.6" defaultValue={v.control} className={inputClass} />
          <datalist id="o-controls">{controls.map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}</datalist>
        </Field>
        <Field label="Change" htmlFor="o-act" error={fe.action}>
          <select id="o-act" name="action" defaultValue={v.action} className={inputClass}>
            <option value="set">Counts as…</option>
            <option value="remove">Does not count</option>
          </select>
        </Field>
        <Field label="Mark" htmlFor="o-mark" error={fe.mark}>
          <select id="o-mark" name="mark" defaultValue={v.mark} className={inputClass}>
            <option value="supporting">supporting</option>
            <option value="direct">direct</option>
          </select>
        </Field>
      </div>
      <Field label="Reason" htmlFor="o-reason" error={fe.reason}>
        <input id="o-reason" name="reason" defaultValue={v.reason} className={inputClass} />
      </Field>
      <button type="submit" disabled={pending} className={buttonClass.secondary}>Save mapping change</button>
    </form>
  );
}

export function ResetOverrideButton({ team, id }: { team: string; id: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(resetOverrideAction.bind(null, team), null);
  return (
    <form action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <button type="submit" disabled={pending} className={buttonClass.ghost}>Reset to default</button>
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}
