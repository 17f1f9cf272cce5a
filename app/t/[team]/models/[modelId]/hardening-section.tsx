import type { ReactNode } from "react";
import Link from "@/app/_components/link";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { ButtonLink, Card, Table, Td, formatDateTime } from "@/app/_components/ui";
import { EvaluationStatusBadge, ProgressBar } from "@/app/_components/evaluation-ui";
import { can } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/context";
import { describeHardeningMethod, hardeningRefusal } from "@/lib/hardening/queries";
import { describeHardeningCost } from "@/lib/hardening/cost-words";
import type { HardeningRunView } from "@/lib/hardening/read";
import { CancelHardeningButton } from "./hardening-cancel";
import { formatDuration } from "@/lib/duration";

const active = (r: HardeningRunView) => r.status === "queued" || r.status === "running";

function Progress({ run }: { run: HardeningRunView }) {
  const { epoch, epochs: n, examplesDone, examplesPerEpoch } = run.progress;
  if (run.status === "completed") return <span>{run.cost?.epochs ?? epoch} of {n} epochs{(run.cost?.epochs ?? n) < n ? " (stopped early)" : ""}</span>;
  if (!active(run)) return <span>{epoch} of {n} epochs done</span>;
  const current = Math.min(epoch + 1, n);
  const fraction = Math.min(1, (epoch + (examplesPerEpoch ? examplesDone / examplesPerEpoch : 0)) / n);
  return (
    <div className="min-w-36 space-y-1">
      <span data-testid="hardening-progress">
        {run.status === "queued" ? `Waiting for a worker · ${n} epochs` : `Epoch ${current} of ${n} · ${examplesDone.toLocaleString("en")} of ${examplesPerEpoch.toLocaleString("en")} examples`}
      </span>
      <ProgressBar fraction={fraction} label={`Hardening run progress, epoch ${current} of ${n}`} />
      {run.cancelRequested ? <span className="block text-xs text-amber-800">Cancel requested: stops after the current batch.</span> : null}
    </div>
  );
}

/** The model's hardening runs with live progress (the page refreshes while one is queued or running). */
export function HardeningSection({ ctx, modelId, runs, current }: { ctx: TeamContext; modelId: string; runs: HardeningRunView[]; current: { version: number; format: string; status: string } | undefined }) {
  const base = `/t/${ctx.team.slug}`;
  const mayRun = can(ctx.role, "evaluation.run");
  const mayCancel = can(ctx.role, "evaluation.cancel");
  const refusal = current ? (current.status === "ARCHIVED" ? "This version is archived." : hardeningRefusal(current.format)) : null;
  return (
    <section id="hardening" className="mt-6" aria-labelledby="hardening-title">
      <AutoRefresh active={runs.some(active)} ms={2000} />
      <Card
        title={<span id="hardening-title">Hardening runs</span>}
        actions={current && mayRun && !refusal ? <ButtonLink href={`${base}/models/${modelId}/harden?v=${current.version}`} variant="secondary">Harden v{current.version}</ButtonLink> : null}
      >
        {current && refusal ? <p className="mb-3 text-sm text-slate-600" data-testid="hardening-refusal">v{current.version} cannot be hardened: {refusal}</p> : null}
        {runs.length === 0 ? (
          <p className="text-sm text-slate-600">No hardening run yet. A run fine-tunes a TensorFlow.js version against the attacks it fails (PGD adversarial training, TRADES or augmentation), registers the result as a new version with its measured training cost, and evaluates it with the parent&apos;s suite.</p>
        ) : (
          <Table head={["Versions", "Training data", "Method", "Status", "Progress", "Cost"]} caption="Hardening runs">
            {runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <Td className="whitespace-nowrap">
                  <Link href={`?v=${r.parentVersion.version}`} className="text-brand-700 hover:underline">v{r.parentVersion.version}</Link>
                  {" → "}
                  {r.hardenedVersion ? <Link href={`?v=${r.hardenedVersion.version}`} className="font-medium text-brand-700 hover:underline" data-testid="hardened-version">v{r.hardenedVersion.version}</Link> : <span className="text-slate-500">{active(r) ? "new version" : "no version"}</span>}
                  <span className="block text-xs text-slate-500">{formatDateTime(r.createdAt)}</span>
                </Td>
                <Td className="text-xs">
                  {r.datasetVersion.name} v{r.datasetVersion.version}
                  <span className="block text-slate-500">{r.trainCount.toLocaleString("en")} examples</span>
                </Td>
                <Td className="text-xs">{describeHardeningMethod(r.params)}<span className="block text-slate-500">{r.params.epochs} epochs, lr {r.params.learningRate}, batch {r.params.batchSize}, seed {r.params.seed}</span></Td>
                <Td>
                  <span data-testid="hardening-status"><EvaluationStatusBadge status={r.status.toUpperCase()} /></span>
                  {r.error ? <span className="mt-1 block max-w-xs text-xs text-rose-700">{r.error}</span> : null}
                  {mayCancel && active(r) && !r.cancelRequested ? <div className="mt-2"><CancelHardeningButton team={ctx.team.slug} modelId={modelId} runId={r.id} /></div> : null}
                </Td>
                <Td className="text-xs"><Progress run={r} /></Td>
                <Td className="min-w-48 text-xs">
                  {r.estimate ? <span className="block">Estimated: about {formatDuration(r.estimate.estimatedSeconds)}, {(r.estimate.attackGradients + r.estimate.weightGradients + r.estimate.validationGradients).toLocaleString("en")} gradients</span> : null}
                  {r.status === "completed" && r.cost ? <span className="mt-1 block" data-testid="hardening-cost">Measured: {describeHardeningCost(r.cost)}</span> : r.cost?.wallSeconds ? <span className="mt-1 block text-slate-500">{formatDuration(r.cost.wallSeconds)} {active(r) ? "so far" : "trained"}</span> : null}
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </section>
  );
}

/** "Hardened from v1 with … on digits-train v1" and the measured cost, for the version a run produced. */
export function hardenedFacts(run: HardeningRunView | null): [string, ReactNode][] {
  if (!run) return [];
  return [
    [
      "Hardened from",
      <span key="h" data-testid="hardened-from">
        <Link href={`?v=${run.parentVersion.version}`} className="text-brand-700 hover:underline">v{run.parentVersion.version}</Link> with {describeHardeningMethod(run.params)} on{" "}
        {run.datasetVersion.name} v{run.datasetVersion.version} ({run.trainCount.toLocaleString("en")} examples, {run.params.epochs} epochs, Adam {run.params.learningRate}, batch {run.params.batchSize}, seed {run.params.seed})
      </span>,
    ],
    ["Measured training cost", <span key="c" data-testid="hardened-cost">{run.cost ? describeHardeningCost(run.cost) : "—"} (measured by Bulwark&apos;s worker, not typed)</span>],
  ];
}
