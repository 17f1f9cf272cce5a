"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { ExplorerExample, ExplorerExampleOption, ExplorerSetup } from "@/lib/evaluations/explore";
import type { BrowserBackendPreference } from "@/lib/engine/browser-backend";
import type { LoadedModel } from "@/lib/engine/model";
import { lineChart } from "@/lib/charts/line";
import { LineChart } from "@/app/_components/line-chart";
import { Badge, buttonClass, Card, inputClass } from "@/app/_components/ui";
import type { ExploreAttack, ExploreResult } from "./engine-client";
import { DrawPad, ImageView, imageFileToInput } from "./pixels";

type Engine = typeof import("./engine-client");
type AttackChoice = "fgsm-linf" | "fgsm-l2" | "pgd-linf" | "pgd-l2";
type Source = "dataset" | "draw" | "upload";
interface Input { x: Float32Array; label: number; index: number; record: ExplorerExample["record"]; source: string }

const ATTACK_LABELS: Record<AttackChoice, string> = { "fgsm-linf": "FGSM, L∞", "fgsm-l2": "FGSM, L2", "pgd-linf": "PGD, L∞", "pgd-l2": "PGD, L2" };
const TOP_K = 3;
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/** The interactive Explore view: pick an input, an attack and a budget; the browser runs the attack. */
export function Explorer({ team, modelId, setup }: { team: string; modelId: string; setup: ExplorerSetup }) {
  const { card, evaluation } = setup;
  const labels = card.classLabels;
  const width = card.inputRange.max - card.inputRange.min;
  const d = card.inputShape.reduce((a, b) => a * b, 1);
  const images = card.inputShape.length === 3 || card.inputShape.length === 2;

  const [source, setSource] = useState<Source>("dataset");
  const [datasetId, setDatasetId] = useState(evaluation?.datasetVersionId ?? setup.datasets[0]?.id ?? "");
  const [filter, setFilter] = useState<"all" | "broken" | "survived">("broken");
  const [choice, setChoice] = useState<AttackChoice>("pgd-linf");
  const linfEps = evaluation?.epsilons.linf.length ? evaluation.epsilons.linf : [Number((0.1 * width).toPrecision(6))];
  const [eps, setEps] = useState(linfEps.includes(Number((0.1 * width).toPrecision(6))) ? Number((0.1 * width).toPrecision(6)) : linfEps[0]);
  const suitePgd = evaluation?.attacks.find((a) => a.kind === "pgd" && a.norm === "linf");
  const [steps, setSteps] = useState(suitePgd?.steps ?? 10);
  const [restarts, setRestarts] = useState(suitePgd?.restarts ?? 1);
  const [randomStart, setRandomStart] = useState(suitePgd?.randomStart ?? true);
  const [seed, setSeed] = useState(evaluation?.seed ?? 0);
  const [backendPref, setBackendPref] = useState<BrowserBackendPreference>("auto");
  const [indexText, setIndexText] = useState("");
  const [input, setInput] = useState<Input | null>(null);
  const [drawLabel, setDrawLabel] = useState<number | null>(null);
  const [status, setStatus] = useState<string>("");
  const [error, setError] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ r: ExploreResult; input: Input; steps: { restart: number; step: number; loss: number }[]; backend: string; ms: number; attackEps: number; spec: ExploreAttack } | null>(null);
  const engine = useRef<{ mod: Engine; model: LoadedModel; backend: string; pref: BrowserBackendPreference } | null>(null);

  const [kind, norm] = choice.split("-") as ["fgsm" | "pgd", "linf" | "l2"];
  const epsMax = norm === "linf" ? width / 2 : Number((width * Math.sqrt(d) * 0.25).toPrecision(2));
  const epsStep = norm === "linf" ? width / 200 : epsMax / 200;
  const spec: ExploreAttack = kind === "fgsm" ? { kind: "fgsm", norm, targeted: false } : { kind: "pgd", norm, steps, restarts, randomStart, ...(suitePgd?.stepSize && norm === "linf" ? { stepSize: suitePgd.stepSize } : {}) };
  const specId = kind === "fgsm" ? `fgsm-${norm}` : `pgd-${norm}-${steps}x${restarts}`;

  // The evaluation's examples, filtered by their stored outcome under the chosen attack and budget.
  const listed = useMemo(() => {
    if (!evaluation || datasetId !== evaluation.datasetVersionId) return [];
    return evaluation.examples.filter((e) => {
      if (filter === "all") return true;
      const o = e.outcomes.find((x) => x.attack === specId && x.eps === eps);
      return o ? (filter === "broken" ? o.success : !o.success) : false;
    });
  }, [evaluation, datasetId, filter, specId, eps]);

  function describe(e: ExplorerExampleOption): string {
    const o = e.outcomes.find((x) => x.attack === specId && x.eps === eps);
    const state = !e.cleanCorrect ? `misclassified clean (as ${labels[e.cleanPred]})` : o ? (o.success ? `broken → ${labels[o.advPred]}` : "survived") : "not run at this budget";
    return `#${e.index} · ${labels[e.label]} · ${state}`;
  }

  async function loadExample(index: number) {
    setError("");
    setResult(null);
    if (!datasetId) return;
    setStatus(`Loading example #${index}…`);
    const res = await fetch(`/t/${encodeURIComponent(team)}/models/${encodeURIComponent(modelId)}/explore/example?version=${setup.version.id}&dataset=${datasetId}&index=${index}`, { credentials: "same-origin" });
    const body = (await res.json().catch(() => ({}))) as Partial<ExplorerExample> & { message?: string };
    setStatus("");
    if (!res.ok) return setError(body.message ?? `The example could not be loaded (HTTP ${res.status}).`);
    setInput({ x: Float32Array.from(body.x!), label: body.label!, index, record: body.record ?? null, source: `example #${index}` });
  }

  async function ensureEngine(): Promise<NonNullable<typeof engine.current>> {
    if (engine.current && engine.current.pref === backendPref) return engine.current;
    engine.current?.model.dispose();
    engine.current = null;
    setStatus("Loading TensorFlow.js…");
    const mod = await import("./engine-client");
    const { model, backend } = await mod.loadExplorerModel({ team, modelId, versionId: setup.version.id, format: setup.version.format, files: setup.files, card, backend: backendPref, onProgress: setStatus });
    engine.current = { mod, model, backend: backend.backend, pref: backendPref };
    return engine.current;
  }

  async function run() {
    if (!input || busy) return;
    setBusy(true);
    setError("");
    try {
      const e = await ensureEngine();
      const trace: { restart: number; step: number; loss: number }[] = [];
      setStatus(`Running ${ATTACK_LABELS[choice]} at ε ${eps} on ${e.backend}…`);
      const t0 = performance.now();
      const r = await e.mod.exploreAttack({ model: e.model, card, x: input.x, label: input.label, index: input.index, attack: spec, eps, seed, onIterate: (restart, step, loss) => trace.push({ restart, step, loss }) });
      setResult({ r, input, steps: trace, backend: e.backend, ms: performance.now() - t0, attackEps: eps, spec });
      setStatus("");
    } catch (err) {
      setStatus("");
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => () => engine.current?.model.dispose(), []);

  const stored = result?.input.record?.attacks.find((a) => a.attack === result.r.attackId && a.eps === result.attackEps);
  const idPrefix = "ex";
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
      <Card title="Input and attack" className="lg:col-span-1">
        <div className="space-y-4">
          <fieldset>
            <legend className="mb-1 text-sm font-medium text-slate-700">Input</legend>
            <div className="flex flex-wrap gap-3 text-sm">
              {(["dataset", ...(images ? ["draw", "upload"] : [])] as Source[]).map((s) => (
                <label key={s} className="flex items-center gap-1.5">
                  <input type="radio" name="source" value={s} checked={source === s} onChange={() => { setSource(s); setInput(null); setResult(null); }} />
                  {s === "dataset" ? "Dataset example" : s === "draw" ? "Draw" : "Upload an image"}
                </label>
              ))}
            </div>
          </fieldset>
          {source === "dataset" ? (
            <>
              <div>
                <label htmlFor={`${idPrefix}-dataset`} className="mb-1 block text-sm font-medium text-slate-700">Dataset version</label>
                <select id={`${idPrefix}-dataset`} className={inputClass} value={datasetId} onChange={(e) => { setDatasetId(e.target.value); setInput(null); }}>
                  {setup.datasets.length === 0 ? <option value="">No dataset of the team fits this model</option> : null}
                  {setup.datasets.map((ds) => <option key={ds.id} value={ds.id}>{ds.label}</option>)}
                </select>
              </div>
              {evaluation && datasetId === evaluation.datasetVersionId ? (
                <>
                  <div>
                    <label htmlFor={`${idPrefix}-filter`} className="mb-1 block text-sm font-medium text-slate-700">Show examples that evaluation #{evaluation.number} recorded as</label>
                    <select id={`${idPrefix}-filter`} className={inputClass} value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)}>
                      <option value="broken">broken by this attack at this ε</option>
                      <option value="survived">surviving this attack at this ε</option>
                      <option value="all">all ({evaluation.examples.length}{evaluation.truncated ? ", the first ones" : ""})</option>
                    </select>
                  </div>
                  <div>
                    <label htmlFor={`${idPrefix}-example`} className="mb-1 block text-sm font-medium text-slate-700">Example ({listed.length})</label>
                    <select id={`${idPrefix}-example`} className={inputClass} value={input && input.source.startsWith("example") ? String(input.index) : ""} onChange={(e) => e.target.value && void loadExample(Number(e.target.value))}>
                      <option value="">Choose an example…</option>
                      {listed.map((e) => <option key={e.index} value={e.index}>{describe(e)}</option>)}
                    </select>
                  </div>
                </>
              ) : null}
              <form className="flex items-end gap-2" onSubmit={(e) => { e.preventDefault(); const n = Number(indexText); if (Number.isInteger(n) && n >= 0) void loadExample(n); else setError("The example index is a whole number, 0 or more."); }}>
                <div className="flex-1">
                  <label htmlFor={`${idPrefix}-index`} className="mb-1 block text-sm font-medium text-slate-700">Or any example index</label>
                  <input id={`${idPrefix}-index`} className={inputClass} inputMode="numeric" value={indexText} onChange={(e) => setIndexText(e.target.value)} />
                </div>
                <button type="submit" className={buttonClass.secondary}>Load</button>
              </form>
            </>
          ) : source === "draw" ? (
            <div className="space-y-2">
              <DrawPad shape={card.inputShape} range={card.inputRange} onChange={(x) => { setInput(x ? { x, label: drawLabel ?? 0, index: 0, record: null, source: "drawing" } : null); setResult(null); }} />
              <LabelPicker id={`${idPrefix}-draw-label`} labels={labels} value={drawLabel} onChange={(l) => { setDrawLabel(l); setInput((i) => (i ? { ...i, label: l } : i)); }} />
            </div>
          ) : (
            <div className="space-y-2">
              <label htmlFor={`${idPrefix}-upload`} className="mb-1 block text-sm font-medium text-slate-700">Image (resized to {card.inputShape.slice(0, 2).join(" × ")}; stays in your browser)</label>
              <input id={`${idPrefix}-upload`} type="file" accept="image/png,image/jpeg,image/webp,image/gif" className="block w-full text-sm" onChange={async (e) => {
                const f = e.target.files?.[0];
                if (!f) return;
                try {
                  const x = await imageFileToInput(f, card.inputShape, card.inputRange);
                  setInput({ x, label: drawLabel ?? 0, index: 0, record: null, source: f.name });
                  setResult(null);
                } catch (err) {
                  setError(err instanceof Error ? err.message : String(err));
                }
              }} />
              <LabelPicker id={`${idPrefix}-upload-label`} labels={labels} value={drawLabel} onChange={(l) => { setDrawLabel(l); setInput((i) => (i ? { ...i, label: l } : i)); }} />
            </div>
          )}
          <div>
            <label htmlFor={`${idPrefix}-attack`} className="mb-1 block text-sm font-medium text-slate-700">Attack</label>
            <select id={`${idPrefix}-attack`} className={inputClass} value={choice} onChange={(e) => {
              const c = e.target.value as AttackChoice;
              setChoice(c);
              const n = c.endsWith("l2") ? "l2" : "linf";
              if (n !== norm) setEps(n === "l2" ? (evaluation?.epsilons.l2[0] ?? Number((width * 1.5).toPrecision(6))) : linfEps[0]);
            }}>
              {(Object.keys(ATTACK_LABELS) as AttackChoice[]).map((c) => <option key={c} value={c}>{ATTACK_LABELS[c]}</option>)}
            </select>
          </div>
          <div>
            <label htmlFor={`${idPrefix}-eps`} className="mb-1 block text-sm font-medium text-slate-700">Budget ε = <span data-testid="eps-value">{eps}</span> ({norm === "linf" ? `each value moves at most ${eps}` : `perturbation length at most ${eps}`})</label>
            <input id={`${idPrefix}-eps`} type="range" min={epsStep} max={epsMax} step={epsStep} value={eps} className="w-full" onChange={(e) => setEps(Number(Number(e.target.value).toPrecision(4)))} aria-valuetext={`epsilon ${eps}`} />
            <div className="mt-1 flex flex-wrap gap-1">
              {(norm === "linf" ? linfEps : evaluation?.epsilons.l2 ?? []).map((v) => (
                <button key={v} type="button" className={`rounded border px-2 py-0.5 text-xs ${v === eps ? "border-brand-600 bg-brand-50" : "border-slate-300"}`} onClick={() => setEps(v)} aria-pressed={v === eps}>ε {v}</button>
              ))}
            </div>
          </div>
          {kind === "pgd" ? (
            <div className="grid grid-cols-2 gap-3">
              <NumberField id={`${idPrefix}-steps`} label="Steps" value={steps} min={1} max={50} onChange={setSteps} />
              <NumberField id={`${idPrefix}-restarts`} label="Restarts" value={restarts} min={1} max={5} onChange={setRestarts} />
              <label className="col-span-2 flex items-center gap-2 text-sm"><input type="checkbox" checked={randomStart} onChange={(e) => setRandomStart(e.target.checked)} /> Random start inside the ε-ball</label>
            </div>
          ) : null}
          <div className="grid grid-cols-2 gap-3">
            <NumberField id={`${idPrefix}-seed`} label="Seed" value={seed} min={0} max={2 ** 31 - 1} onChange={setSeed} />
            <div>
              <label htmlFor={`${idPrefix}-backend`} className="mb-1 block text-sm font-medium text-slate-700">Backend</label>
              <select id={`${idPrefix}-backend`} className={inputClass} value={backendPref} onChange={(e) => setBackendPref(e.target.value as BrowserBackendPreference)}>
                <option value="auto">WebGL, else CPU</option>
                <option value="cpu">CPU (bit-exact with a cpu worker)</option>
              </select>
            </div>
          </div>
          <button type="button" className={`${buttonClass.primary} w-full`} onClick={() => void run()} disabled={!input || busy}>
            {busy ? "Running…" : "Run attack"}
          </button>
          <p className="text-xs text-slate-500">
            Model: {(setup.version.totalBytes / 1024).toFixed(0)} KB, downloaded once from this server. Nothing you pick, draw or upload leaves your browser.
          </p>
          <p role="status" aria-live="polite" className="text-sm text-slate-600" data-testid="explorer-status">{status}</p>
          {error ? <p role="alert" className="text-sm text-rose-700">{error}</p> : null}
        </div>
      </Card>
      <div className="space-y-6 lg:col-span-2">
        <Card title={result ? `${ATTACK_LABELS[choice]} · ε ${result.attackEps} · on ${result.backend} in ${result.ms.toFixed(0)} ms` : "Result"}>
          {!input ? (
            <p className="text-sm text-slate-600">Choose an input, then run the attack.</p>
          ) : (
            <Results input={input} result={result} labels={labels} card={card} />
          )}
        </Card>
        {result ? (
          <Card title="Stored record beside the live run">
            {stored ? (
              <table className="w-full text-sm" data-testid="record-comparison">
                <caption className="sr-only">Stored record and live run</caption>
                <thead><tr className="text-left text-slate-500"><th className="py-1 pr-2 font-medium"></th><th className="py-1 pr-2 font-medium">Evaluation #{result.input.record!.evaluation}{evaluation?.backend ? ` (${evaluation.backend})` : ""}</th><th className="py-1 font-medium">This browser ({result.backend})</th></tr></thead>
                <tbody>
                  <tr><th className="py-1 pr-2 text-left font-normal text-slate-500">Adversarial label</th><td data-testid="stored-adv-label">{labels[stored.advPred]}</td><td data-testid="live-adv-label">{labels[result.r.advPred]}</td></tr>
                  <tr><th className="py-1 pr-2 text-left font-normal text-slate-500">Outcome</th><td>{stored.success ? "broken" : "survived"}</td><td>{result.r.success ? "broken" : "survived"}</td></tr>
                  <tr><th className="py-1 pr-2 text-left font-normal text-slate-500">Confidence</th><td>{pct(stored.advConf)}</td><td>{pct(result.r.after[result.r.advPred])}</td></tr>
                  <tr><th className="py-1 pr-2 text-left font-normal text-slate-500">Loss</th><td>{stored.loss.toPrecision(6)}</td><td>{result.r.loss.toPrecision(6)}</td></tr>
                  <tr><th className="py-1 pr-2 text-left font-normal text-slate-500">L∞ / L2 of the change</th><td>{stored.linf.toPrecision(4)} / {stored.l2.toPrecision(4)}</td><td>{result.r.linf.toPrecision(4)} / {result.r.l2.toPrecision(4)}</td></tr>
                  <tr><th className="py-1 pr-2 text-left font-normal text-slate-500">Model calls</th><td>{stored.queries}</td><td>{result.r.queries}</td></tr>
                </tbody>
              </table>
            ) : (
              <p className="text-sm text-slate-600" data-testid="no-record">
                {result.input.record ? `Evaluation #${result.input.record.evaluation} did not run ${result.r.attackId} at ε ${result.attackEps} on this example: choose one of its budgets and the suite's settings to compare.` : "No stored record for this input: it was not part of an evaluation of this version."}
              </p>
            )}
            <p className="mt-3 text-xs text-slate-500">
              Same engine code, example index and seed as the worker: on the CPU backend the numbers are identical to a cpu worker&apos;s; WebGL and the
              worker&apos;s native or WebAssembly backends round differently in the last digits, which can change a borderline example.
            </p>
          </Card>
        ) : null}
      </div>
    </div>
  );
}

function Results({ input, result, labels, card }: { input: Input; result: { r: ExploreResult; steps: { restart: number; step: number; loss: number }[]; attackEps: number } | null; labels: string[]; card: ExplorerSetup["card"] }) {
  const shape = card.inputShape;
  const delta = result ? result.r.xAdv.map((v, i) => v - input.x[i]) : null;
  const magnify = result ? Math.max(1, (card.inputRange.max - card.inputRange.min) / 2 / Math.max(result.r.linf, 1e-12)) : 1;
  return (
    <div className="space-y-5">
      <div className="grid grid-cols-3 gap-3">
        <figure>
          <ImageView x={input.x} shape={shape} range={card.inputRange} label={`Original input (${labels[input.label]})`} />
          <figcaption className="mt-1 text-xs text-slate-600">Original · true label <strong>{labels[input.label]}</strong></figcaption>
        </figure>
        <figure>
          {delta ? <ImageView x={delta} shape={shape} range={{ min: -(card.inputRange.max - card.inputRange.min) / 2 / magnify, max: (card.inputRange.max - card.inputRange.min) / 2 / magnify }} label="Perturbation, magnified" /> : <div className="aspect-square rounded bg-slate-100" />}
          <figcaption className="mt-1 text-xs text-slate-600">{delta ? <>Change × {magnify.toFixed(1)} (mid-grey = none, black/white = ∓{result!.r.linf.toPrecision(3)})</> : "Change"}</figcaption>
        </figure>
        <figure>
          {result ? <ImageView x={result.r.xAdv} shape={shape} range={card.inputRange} label={`Adversarial input (${labels[result.r.advPred]})`} /> : <div className="aspect-square rounded bg-slate-100" />}
          <figcaption className="mt-1 text-xs text-slate-600">{result ? <>Adversarial · model says <strong>{labels[result.r.advPred]}</strong> {result.r.success ? <Badge tone="red">broken</Badge> : <Badge tone="green">survived</Badge>}</> : "Adversarial"}</figcaption>
        </figure>
      </div>
      {result ? (
        <>
          <div className="grid gap-4 sm:grid-cols-2">
            <TopK title="Before the attack" probs={result.r.before} labels={labels} truth={input.label} />
            <TopK title="After the attack" probs={result.r.after} labels={labels} truth={input.label} />
          </div>
          {result.steps.length > 1 ? (
            <LineChart
              title="Loss over PGD steps"
              pointTitle={(s, p) => `${s}, step ${p.x}: ${p.y.toPrecision(4)}`}
              model={lineChart({
                series: [...new Set(result.steps.map((s) => s.restart))].map((r) => ({ name: `restart ${r + 1}`, points: result.steps.filter((s) => s.restart === r).map((s) => ({ x: s.step, y: s.loss })) })),
                xLabel: "PGD step", yLabel: "cross-entropy loss (higher: further from the true label)",
                yDomain: [0, Math.max(1, ...result.steps.map((s) => s.loss)) * 1.05], formatY: (v) => v.toFixed(1), height: 220,
              })}
            />
          ) : null}
          {result.steps.length > 1 && result.r.success ? <p className="text-xs text-slate-500">The curve stops at the first step the model got wrong, as in an evaluation.</p> : null}
        </>
      ) : null}
    </div>
  );
}

function TopK({ title, probs, labels, truth }: { title: string; probs: Float32Array; labels: string[]; truth: number }) {
  const top = Array.from(probs, (p, i) => ({ p, i })).sort((a, b) => b.p - a.p).slice(0, TOP_K);
  return (
    <div>
      <h3 className="mb-1 text-sm font-medium text-slate-700">{title}</h3>
      <ul className="space-y-1" aria-label={`${title}: top ${TOP_K} classes`}>
        {top.map(({ p, i }) => (
          <li key={i} className="flex items-center gap-2 text-xs">
            <span className="w-10 shrink-0 truncate font-mono">{labels[i]}</span>
            <span className="h-2.5 flex-1 rounded bg-slate-100"><span className={`block h-2.5 rounded ${i === truth ? "bg-emerald-500" : "bg-rose-500"}`} style={{ width: `${Math.max(1, p * 100)}%` }} /></span>
            <span className="w-12 shrink-0 text-right tabular-nums">{pct(p)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function NumberField({ id, label, value, min, max, onChange }: { id: string; label: string; value: number; min: number; max: number; onChange: (v: number) => void }) {
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">{label}</label>
      <input id={id} type="number" className={inputClass} value={value} min={min} max={max} step={1} onChange={(e) => {
        const v = Math.round(Number(e.target.value));
        if (Number.isFinite(v)) onChange(Math.min(max, Math.max(min, v)));
      }} />
    </div>
  );
}

function LabelPicker({ id, labels, value, onChange }: { id: string; labels: string[]; value: number | null; onChange: (l: number) => void }) {
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">What it shows (the class the attack moves away from)</label>
      <select id={id} className={inputClass} value={value ?? 0} onChange={(e) => onChange(Number(e.target.value))}>
        {labels.map((l, i) => <option key={l} value={i}>{l}</option>)}
      </select>
    </div>
  );
}
