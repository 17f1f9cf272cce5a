"use client";

import { useState } from "react";
import { formatDuration } from "@/lib/duration";
import type { EndpointPresetCost } from "@/lib/evaluations/blackbox";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { TextField } from "@/app/_components/form-fields";
import { createEvaluationAction } from "../actions";
import { EVALUATION_KINDS, KINDS, type EvaluationKind } from "@/lib/evaluations/kinds";
import { IntegrityFields } from "./integrity-fields";

const EXAMPLE = JSON.stringify(
  { name: "pgd-l2", epsilons: { linf: [], l2: [0.5, 1, 2] }, attacks: [{ kind: "pgd", norm: "l2", steps: 20, restarts: 2 }, { kind: "noise", norm: "l2", distribution: "gaussian", draws: 10 }] },
  null,
  1,
);

type NewEvaluationProps = {
  team: string;
  versions: { id: string; label: string }[];
  datasets: { id: string; label: string }[];
  costs: { quick: number; standard: number };
  throughput: number | null;
  /** Model versions served over HTTP: their black-box query cost per example and preset. */
  endpointCosts?: Record<string, EndpointPresetCost>;
  defaultVersion?: string;
  /** Privacy evaluations: dataset sizes, each version's training data and epochs, the reference-training rate. */
  privacy?: PrivacyFormInfo;
};

export function NewEvaluationForm(props: NewEvaluationProps) {
  const form = useFormAction(createEvaluationAction.bind(null, props.team));
  // Keyed by the answer: after an error every field (and the state below) starts again from what was submitted.
  return <EvaluationForm key={form.key} {...props} form={form} />;
}

function EvaluationForm({ form: { state, formAction: action, pending, values: v, errors: fe }, ...props }: NewEvaluationProps & { form: ReturnType<typeof useFormAction> }) {
  const [kind, setKind] = useState<EvaluationKind>((v.kind as EvaluationKind) ?? "robustness");
  const [preset, setPreset] = useState<string>(v.preset ?? "quick");
  const [samples, setSamples] = useState<string>(v.sampleCount ?? "500");
  const [ood, setOod] = useState<string>(v.ood ?? "none");
  const [version, setVersion] = useState<string>(v.modelVersionId ?? props.defaultVersion ?? props.versions[0]?.id ?? "");
  const endpoint = props.endpointCosts?.[version];
  const n = Number(samples) || 0;
  const perSample = preset === "quick" ? props.costs.quick : preset === "standard" ? props.costs.standard : null;
  const steps = perSample && n ? perSample * n : null;
  return (
    <form action={action} className="space-y-5" aria-label="New evaluation">
      {state && !state.ok ? <Alert>{state.message}</Alert> : null}
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-slate-700">What to evaluate</legend>
        <div className="grid gap-3 md:grid-cols-3">
          {EVALUATION_KINDS.map((k) => {
            const info = KINDS[k];
            return (
              <label key={k} className={`rounded-lg border p-3 text-sm ${!info.available ? "cursor-not-allowed border-slate-200 bg-slate-50 text-slate-500" : kind === k ? "cursor-pointer border-brand-500 bg-brand-50 ring-1 ring-brand-500" : "cursor-pointer border-slate-300 hover:bg-slate-50"} has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500`}>
                <input type="radio" name="kind" value={k} checked={kind === k} disabled={!info.available} onChange={() => setKind(k)} className="sr-only" />
                <span className="block font-medium text-slate-900">{info.label}</span>
                <span className="mt-1 block text-xs text-slate-600">{info.available ? info.description : `${info.description} Not available yet.`}</span>
              </label>
            );
          })}
        </div>
        {fe.kind ? <p className="mt-1 text-sm text-red-700">{fe.kind}</p> : null}
      </fieldset>
      {kind === "privacy" && props.privacy ? <PrivacyFields versions={props.versions} datasets={props.datasets} info={props.privacy} defaultVersion={props.defaultVersion} values={v} errors={fe} /> : null}
      {kind === "robustness" ? (
        <>
        <div className="grid gap-5 md:grid-cols-2">
          <Field label="Model version" htmlFor="e-model" error={fe.modelVersionId}>
            <select id="e-model" name="modelVersionId" defaultValue={v.modelVersionId ?? props.defaultVersion ?? props.versions[0]?.id} onChange={(e) => setVersion(e.target.value)} className={inputClass} aria-invalid={Boolean(fe.modelVersionId)}>
              {props.versions.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
            </select>
          </Field>
          <Field label="Dataset version" htmlFor="e-dataset" error={fe.datasetVersionId} hint="Its shape, value range and labels are checked against the model card.">
            <select id="e-dataset" name="datasetVersionId" defaultValue={v.datasetVersionId ?? props.datasets.find((d) => /eval|test/i.test(d.label))?.id ?? props.datasets[0]?.id} className={inputClass} aria-invalid={Boolean(fe.datasetVersionId)}>
              {props.datasets.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
            </select>
          </Field>
        </div>
        <fieldset>
          <legend className="mb-2 text-sm font-medium text-slate-700">Attack suite</legend>
          <div className="grid gap-3 md:grid-cols-3">
            {[
              ["quick", "Quick", "FGSM and PGD-10 (L∞) at three budgets. Minutes; a first look."],
              ["standard", "Standard", "AutoAttack-style: APGD-CE, APGD-DLR targeted, Square (black-box), with FGSM, PGD-20 and noise baselines for the evaluation checks."],
              ["custom", "Custom", "Your own attacks, norms, budgets, steps and restarts, as JSON."],
            ].map(([value, title, text]) => (
              <label key={value} className={`cursor-pointer rounded-lg border p-3 text-sm ${preset === value ? "border-brand-500 bg-brand-50 ring-1 ring-brand-500" : "border-slate-300 hover:bg-slate-50"} has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500`}>
                <input type="radio" name="preset" value={value} checked={preset === value} onChange={() => setPreset(value!)} className="sr-only" />
                <span className="block font-medium text-slate-900">{title}</span>
                <span className="mt-1 block text-xs text-slate-600">{text}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {preset === "custom" ? (
          <Field label="Custom suite (JSON)" htmlFor="e-custom" error={fe.customSuite} hint="attacks: fgsm, pgd, apgd-ce, apgd-dlr-t, square, hop-skip-jump, noise (a model served over HTTP: square, hop-skip-jump, noise only); norms linf or l2; epsilons per norm.">
            <textarea id="e-custom" name="customSuite" rows={8} defaultValue={v.customSuite ?? EXAMPLE} className={`${inputClass} font-mono text-xs`} aria-invalid={Boolean(fe.customSuite)} />
          </Field>
        ) : (
          <TextField label="L∞ budgets (optional)" id="e-eps" error={fe.linfEpsilons} hint="Leave empty for the standard budgets of the model's input range (0.1, 0.2, 0.3 for digits in 0..1; 2/255, 4/255, 8/255 for natural images)." name="linfEpsilons" defaultValue={v.linfEpsilons ?? ""} placeholder="e.g. 0.1, 0.2, 0.3 or 8/255" aria-invalid={Boolean(fe.linfEpsilons)} />
        )}
        <div className="grid gap-5 md:grid-cols-3">
          <TextField label="Samples" id="e-samples" error={fe.sampleCount} hint="Stratified by class. Empty = the whole dataset." name="sampleCount" inputMode="numeric" value={samples} onChange={(e) => setSamples(e.target.value)} aria-invalid={Boolean(fe.sampleCount)} />
          <TextField label="Seed" id="e-seed" error={fe.seed} hint="Same seed, same numbers." name="seed" inputMode="numeric" defaultValue={v.seed ?? "0"} aria-invalid={Boolean(fe.seed)} />
          <TextField label="Shard size" id="e-shard" error={fe.shardSize} hint="Samples per job; smaller shards spread better over workers." name="shardSize" inputMode="numeric" defaultValue={v.shardSize ?? "200"} aria-invalid={Boolean(fe.shardSize)} />
        </div>
        <fieldset className="space-y-3">
          <legend className="mb-1 text-sm font-medium text-slate-700">Beyond the worst case (optional)</legend>
          <p className="text-xs text-slate-600">Calibration (ECE, Brier, NLL, reliability diagram) is always measured, clean and under each attack budget.</p>
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name="corruptions" defaultChecked={v.corruptions === "on"} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
            <span>Common corruptions: noise, blur, brightness, contrast, small rotations and shifts, JPEG, each at five severities (45 forward passes per sample).</span>
          </label>
          <div className="grid gap-5 md:grid-cols-2">
            <Field label="Out-of-distribution check" htmlFor="e-ood" error={fe.ood} hint="Does the model notice inputs unlike its data? Scored by max softmax probability and energy.">
              <select id="e-ood" name="ood" value={ood} onChange={(e) => setOod(e.target.value)} className={inputClass} aria-invalid={Boolean(fe.ood)}>
                <option value="none">None</option>
                <option value="synthetic">Synthetic noise images (300, made by the engine)</option>
                <option value="dataset">A dataset version</option>
              </select>
            </Field>
            {ood === "dataset" ? (
              <Field label="OOD dataset version" htmlFor="e-ood-ds" error={fe.oodDatasetVersionId} hint="Same sample shape and value range as the model; its labels are ignored.">
                <select id="e-ood-ds" name="oodDatasetVersionId" defaultValue={v.oodDatasetVersionId ?? ""} className={inputClass} aria-invalid={Boolean(fe.oodDatasetVersionId)}>
                  <option value="">Choose…</option>
                  {props.datasets.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
                </select>
              </Field>
            ) : null}
          </div>
        </fieldset>
        <div className="rounded-lg border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700" aria-live="polite" data-testid="estimate">
          {endpoint ? (
            preset === "custom" ? (
              <>Black-box (model served over HTTP at {endpoint.host}): the query cost of a custom suite is stated when it is launched; gradient attacks are refused.</>
            ) : n ? (
              <>
                Black-box (model served over HTTP at {endpoint.host}, {endpoint.outputKind === "label" ? "labels only: HopSkipJump" : "class scores: Square"} and noise baselines).
                At most <strong>{(endpoint.perExample[preset as "quick" | "standard"] * n).toLocaleString("en")}</strong> queries ({n.toLocaleString("en")} samples × {endpoint.perExample[preset as "quick" | "standard"].toLocaleString("en")} each),
                in at most {Math.ceil((endpoint.perExample[preset as "quick" | "standard"] * n) / endpoint.batchSize).toLocaleString("en")} requests: at least <strong>{formatDuration(Math.ceil((endpoint.perExample[preset as "quick" | "standard"] * n) / endpoint.batchSize) / endpoint.requestsPerSecond)}</strong> at its rate limit of {endpoint.requestsPerSecond} requests/s. Attacks stop early on success, so fewer are usually sent.
              </>
            ) : "Enter a number of samples to see the query cost."
          ) : steps ? (
            <>
              Estimated work: <strong>{Math.round(steps).toLocaleString("en")}</strong> sample·steps ({n.toLocaleString("en")} samples × about {Math.round(perSample!)} forward+backward passes each, at most).{" "}
              {props.throughput ? <>At the {Math.round(props.throughput).toLocaleString("en")} steps/s measured on this team&apos;s recent shards, about <strong>{formatDuration(steps / props.throughput)}</strong> on one worker.</> : <>No shard has run yet, so there is no measured speed for a time estimate.</>}
            </>
          ) : preset === "custom" ? "The work of a custom suite is estimated when it is launched." : "Enter a number of samples to see the estimated work."}
        </div>
        </>
      ) : null}
      {kind === "integrity" ? <IntegrityFields versions={props.versions} datasets={props.datasets} values={v} errors={fe} defaultVersion={props.defaultVersion} /> : null}
      <button type="submit" disabled={pending || !KINDS[kind].available} className={buttonClass.primary}>{pending ? "Launching…" : "Launch evaluation"}</button>
    </form>
  );
}

export interface PrivacyFormInfo {
  sizes: Record<string, number>;
  rate: number | null;
  defaultRate: number;
  versions: Record<string, { trainingDatasetVersionId: string | null; epochs: number | null; endpoint: boolean }>;
}

/** The privacy (membership-inference) fields, with the cost of the reference models stated before launch. */
function PrivacyFields({ versions, datasets, info, defaultVersion, values: v, errors: fe }: { versions: { id: string; label: string }[]; datasets: { id: string; label: string }[]; info: PrivacyFormInfo; defaultVersion?: string; values: Record<string, string>; errors: Record<string, string | undefined> }) {
  const [version, setVersion] = useState<string>(v.modelVersionId ?? defaultVersion ?? versions[0]?.id ?? "");
  const lineage = info.versions[version]?.trainingDatasetVersionId ?? null;
  const [members, setMembers] = useState<string>(v.memberDatasetVersionId ?? "");
  const [nonMembers, setNonMembers] = useState<string>(v.nonMemberDatasetVersionId ?? datasets.find((d) => /eval|test/i.test(d.label) && d.id !== lineage)?.id ?? "");
  const [perSet, setPerSet] = useState<string>(v.samplesPerSet ?? "500");
  const [refs, setRefs] = useState<string>(v.referenceModels ?? "4");
  const [epochs, setEpochs] = useState<string>(v.referenceEpochs ?? "");
  const memberId = members || lineage;
  const mSize = memberId ? info.sizes[memberId] ?? 0 : 0;
  const nSize = nonMembers ? info.sizes[nonMembers] ?? 0 : 0;
  const n = Math.min(Number(perSet) || 0, mSize || Infinity, nSize || Infinity);
  const R = Number(refs) || 0;
  const ep = Number(epochs) || info.versions[version]?.epochs || 5;
  const trainSize = Math.max(0, Math.min(mSize, mSize + nSize - 2 * n));
  const work = R * ep * trainSize;
  const rate = info.rate ?? info.defaultRate;
  return (
    <div className="space-y-5">
      <div className="grid gap-5 md:grid-cols-3">
        <Field label="Model version" htmlFor="p-model" error={fe.modelVersionId} hint={info.versions[version]?.endpoint ? "Served over HTTP: privacy evaluations need the weights and will be refused." : "Its weights are scored; LiRA re-trains its architecture."}>
          <select id="p-model" name="modelVersionId" value={version} onChange={(e) => setVersion(e.target.value)} className={inputClass} aria-invalid={Boolean(fe.modelVersionId)}>
            {versions.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
        </Field>
        <Field label="Members (training data)" htmlFor="p-members" error={fe.memberDatasetVersionId} hint={lineage ? "Default: the training dataset linked on the model card." : "The card links no training dataset: choose the one the model was trained on."}>
          <select id="p-members" name="memberDatasetVersionId" value={members} onChange={(e) => setMembers(e.target.value)} className={inputClass} aria-invalid={Boolean(fe.memberDatasetVersionId)}>
            <option value="">{lineage ? `From the card: ${datasets.find((d) => d.id === lineage)?.label ?? "its training data"}` : "Choose…"}</option>
            {datasets.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
        </Field>
        <Field label="Non-members (held out)" htmlFor="p-non" error={fe.nonMemberDatasetVersionId} hint="Same distribution, never used in training (e.g. the test split).">
          <select id="p-non" name="nonMemberDatasetVersionId" value={nonMembers} onChange={(e) => setNonMembers(e.target.value)} className={inputClass} aria-invalid={Boolean(fe.nonMemberDatasetVersionId)}>
            <option value="">Choose…</option>
            {datasets.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
        </Field>
      </div>
      <div className="grid gap-5 md:grid-cols-4">
        <TextField label="Samples per set" id="p-n" error={fe.samplesPerSet} hint="Members and as many non-members, stratified. 0.1% FPR needs ≥ 1,000." name="samplesPerSet" inputMode="numeric" value={perSet} onChange={(e) => setPerSet(e.target.value)} aria-invalid={Boolean(fe.samplesPerSet)} />
        <TextField label="LiRA reference models" id="p-r" error={fe.referenceModels} hint="0 (off) or 2–16; each is one shard." name="referenceModels" inputMode="numeric" value={refs} onChange={(e) => setRefs(e.target.value)} aria-invalid={Boolean(fe.referenceModels)} />
        <TextField label="Epochs per reference model" id="p-e" error={fe.referenceEpochs} hint={`Empty: the card's training epochs (${info.versions[version]?.epochs ?? "none recorded: 5"}).`} name="referenceEpochs" inputMode="numeric" value={epochs} onChange={(e) => setEpochs(e.target.value)} aria-invalid={Boolean(fe.referenceEpochs)} />
        <TextField label="Seed" id="p-seed" error={fe.seed} hint="Same seed, same samples and models." name="seed" inputMode="numeric" defaultValue={v.seed ?? "0"} aria-invalid={Boolean(fe.seed)} />
      </div>
      <div className="rounded-lg border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700" aria-live="polite" data-testid="privacy-estimate">
        {!memberId || !nonMembers ? "Choose the member and non-member sets to see the cost." : R === 0 ? <>No reference models: only the target model scores {(2 * n).toLocaleString("en")} examples (seconds). LiRA is off.</> : (
          <>
            Reference training: <strong>{R} models × {ep} epochs × {trainSize.toLocaleString("en")} examples</strong> = {work.toLocaleString("en")} example-epochs,
            about <strong>{formatDuration(work / rate)}</strong> on one worker at {Math.round(rate).toLocaleString("en")} example-epochs/s ({info.rate ? "measured on this team's earlier privacy evaluations" : "the demo CNN on the native backend; an estimate"}). Reference models run in parallel on several workers.
          </>
        )}
      </div>
    </div>
  );
}
