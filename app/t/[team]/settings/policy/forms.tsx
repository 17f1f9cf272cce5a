"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { ActionForm, ButtonForm, SelectField, TextField } from "@/app/_components/form-fields";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { MONITORING_FIELDS, type MonitoringField } from "@/lib/compliance/policy-form";
import { overrideAction, resetOverrideAction, savePolicyAction } from "./actions";

const TIERS = [["minimal", "Minimal"], ["limited", "Limited"], ["high", "High"], ["unacceptable", "Unacceptable"]] as const;

// The label and hint of each monitoring threshold, shown in MONITORING_FIELDS' order: a field added there
// without words here does not compile.
const MONITORING_INPUTS: Record<MonitoringField, readonly [label: string, hint: string]> = {
  psiWarning: ["Input drift: PSI warning", "Population stability index per input statistic; 0.1 is customary."],
  psiCritical: ["Input drift: PSI critical", "0.25 is the customary major shift."],
  ksPValue: ["Input drift: KS p-value", "A statistic counts as shifted below this, e.g. 0.01."],
  predictionPsiWarning: ["Prediction shift: PSI", "On the predicted-class distribution."],
  confidenceDropPp: ["Confidence drop (points)", "Drop in mean top-1 confidence."],
  attackShareWarning: ["Attack pattern: share", "Share of raw samples near a decision boundary, e.g. 0.2."],
  resolveAfterBatches: ["Clean batches to resolve", "Consecutive clean batches that close an incident."],
};

// A risk tier's fields after its thresholds, in order: [field, id suffix, label, input mode, hint], a pair of
// checkboxes, or the required-verdict select.
type TierField = readonly [name: string, id: string, label: string, inputMode: "decimal" | "numeric", hint?: string] | { checks: readonly [name: string, label: string][] } | "verdict";
const TIER_FIELDS: readonly TierField[] = [
  ["minCleanAccuracy", "clean", "Minimum clean accuracy (%)", "decimal", "Empty: no minimum."],
  ["minAttacks", "att", "Minimum attacks", "numeric"],
  ["minSampleCount", "n", "Minimum samples", "numeric"],
  ["maxEvidenceAgeDays", "age", "Maximum evidence age (days)", "numeric", "Older evidence is stale."],
  "verdict",
  ["regressionTolerancePp", "reg", "Regression tolerance (points)", "decimal"],
  ["maxEce", "ece", "Maximum calibration error (ECE)", "decimal", "Clean ECE, 15 bins, e.g. 0.1. Empty: none."],
  ["minOodAuroc", "ood", "Minimum OOD-detection AUROC", "decimal", "Max softmax probability, e.g. 0.8. Empty: none."],
  ["minCorruptionAccuracy", "corr", "Minimum accuracy under corruptions (%)", "decimal", "Mean over corruptions and severities. Empty: none."],
  ["maxSuspectedMislabelShare", "mislabel", "Maximum share of likely mislabelled training examples (%)", "decimal", "Confident learning on out-of-sample predictions (integrity scan). Empty: none."],
  { checks: [["requireNoLiveBackdoor", "No live backdoor in the training-data scan"], ["requireNoLeakage", "No train/test leakage"]] },
  ["maxMiaAuc", "mia", "Maximum membership-inference AUC", "decimal", "Strongest attack of a privacy evaluation, e.g. 0.6 (0.5 = guessing). Empty: none."],
  ["maxTprAt1Fpr", "tpr1", "Maximum membership TPR at 1% FPR (%)", "decimal", "Needs at least 100 non-members to measure. Empty: none."],
  ["maxTprAt01Fpr", "tpr01", "Maximum membership TPR at 0.1% FPR (%)", "decimal", "Needs at least 1,000 non-members to measure. Empty: none."],
  { checks: [["requireIterative", "Needs an iterative attack (PGD/APGD)"], ["requireSchedule", "Needs a re-evaluation schedule"]] },
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
                {TIER_FIELDS.map((f) =>
                  f === "verdict" ? (
                    <Field key="verdict" label="Required evaluation checks" htmlFor={`${t}-ver`} error={fe[`${t}.requiredVerdict`]} hint="An evaluation whose checks failed never counts as evidence.">
                      <select id={`${t}-ver`} name={`${t}.requiredVerdict`} defaultValue={v[`${t}.requiredVerdict`]} className={inputClass}>
                        <option value="reliable">Evaluation checks passed</option>
                        <option value="questionable">Checks passed, or passed with warnings</option>
                      </select>
                    </Field>
                  ) : "checks" in f ? (
                    <div key={f.checks[0][0]} className="space-y-2 pt-6 text-sm text-slate-700">
                      {f.checks.map(([name, label]) => <label key={name} className="flex items-center gap-2"><input type="checkbox" name={`${t}.${name}`} defaultChecked={v[`${t}.${name}`] === "on"} /> {label}</label>)}
                    </div>
                  ) : (
                    <Field key={f[0]} label={f[2]} htmlFor={`${t}-${f[1]}`} error={fe[`${t}.${f[0]}`]} hint={f[4]}>
                      <input id={`${t}-${f[1]}`} name={`${t}.${f[0]}`} inputMode={f[3]} defaultValue={v[`${t}.${f[0]}`]} className={inputClass} />
                    </Field>
                  ),
                )}
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
            {MONITORING_FIELDS.map((k) => {
              const [label, hint] = MONITORING_INPUTS[k];
              return (
                <Field key={k} label={label} htmlFor={`p-mon-${k}`} error={fe[`monitoring.${k}`]} hint={hint}>
                  <input id={`p-mon-${k}`} name={`monitoring.${k}`} inputMode="decimal" defaultValue={v[`monitoring.${k}`]} className={inputClass} />
                </Field>
              );
            })}
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
  const form = useFormAction(overrideAction.bind(null, team));
  const { values: v, errors: fe } = form;
  return (
    <ActionForm form={form} label="Change a mapping" className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-4">
        <SelectField label="Evidence" id="o-ev" name="evidence" error={fe.evidence} defaultValue={v.evidence} options={["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12"]} />
        <Field label="Control" htmlFor="o-ctl" error={fe.control}>
          <input id="o-ctl" name="control" list="o-controls" placeholder="nist-ai-rmf:MEASURE 2.6" defaultValue={v.control} className={inputClass} />
          <datalist id="o-controls">{controls.map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}</datalist>
        </Field>
        <SelectField label="Change" id="o-act" name="action" error={fe.action} defaultValue={v.action} options={[["set", "Counts as…"], ["remove", "Does not count"]]} />
        <SelectField label="Mark" id="o-mark" name="mark" error={fe.mark} defaultValue={v.mark} options={["supporting", "direct"]} />
      </div>
      <TextField label="Reason" id="o-reason" name="reason" error={fe.reason} defaultValue={v.reason} />
      <button type="submit" disabled={form.pending} className={buttonClass.secondary}>Save mapping change</button>
    </ActionForm>
  );
}

export function ResetOverrideButton({ team, id }: { team: string; id: string }) {
  return (
    <ButtonForm action={resetOverrideAction.bind(null, team)} fields={{ id }} className="inline">
      {(pending) => <button type="submit" disabled={pending} className={buttonClass.ghost}>Reset to default</button>}
    </ButtonForm>
  );
}
