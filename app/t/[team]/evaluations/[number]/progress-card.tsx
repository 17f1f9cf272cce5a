import { Badge, Card, Table, Td } from "@/app/_components/ui";
import { ProgressBar } from "@/app/_components/evaluation-ui";
import type { evaluationProgress } from "@/lib/evaluations/manage";

export function duration(ms: number | null | undefined) {
  if (!ms && ms !== 0) return "—";
  const s = ms / 1000;
  return s < 90 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}

/** Progress of a running evaluation of any kind: shards, rate, ETA. `unit` names what a shard's width counts. */
export function ProgressCard({ number, status, progress, unit = "Samples", rate = "samples/s" }: { number: number; status: string; progress: Awaited<ReturnType<typeof evaluationProgress>>; unit?: string; rate?: string | null }) {
  return (
        <Card title="Progress" className="mb-6">
          <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2 text-sm">
            <span className="font-medium text-slate-900" data-testid="progress-text">{Math.round(progress.fraction * 100)}% · {progress.shardsDone} of {progress.shardCount} shards done</span>
            <span className="text-slate-600">
              {progress.samplesPerSecond ? (rate ? `${progress.samplesPerSecond.toFixed(1)} ${rate}` : "running") : "waiting for a worker"}
              {progress.etaSeconds ? ` · about ${progress.etaSeconds < 90 ? `${Math.round(progress.etaSeconds)} s` : `${Math.round(progress.etaSeconds / 60)} min`} left` : ""}
              {status === "AGGREGATING" ? " · computing metrics" : ""}
            </span>
          </div>
          <ProgressBar fraction={progress.fraction} label={`Evaluation #${number} progress`} />
          <Table head={["Shard", unit, "Status", "Progress", "Worker", "Attempts", "Time"]} caption="Shards">
            {progress.shards.map((s) => (
              <tr key={s.index}>
                <Td className="tabular-nums">{s.index + 1}</Td>
                <Td className="tabular-nums">{s.end - s.start}</Td>
                <Td><Badge tone={s.status === "DONE" ? "green" : s.status === "RUNNING" ? "blue" : s.status === "FAILED" ? "red" : s.status === "CANCELLED" ? "amber" : "gray"}>{s.status.toLowerCase()}</Badge>{s.error ? <span className="mt-1 block max-w-xs text-xs text-rose-700">{s.error}</span> : null}</Td>
                <Td className="w-40">{s.status === "RUNNING" && s.progressTotal ? <ProgressBar fraction={s.progressDone / s.progressTotal} label={`Shard ${s.index + 1}`} /> : s.status === "DONE" ? "100%" : "—"}</Td>
                <Td className="text-xs text-slate-500">{s.workerId ?? "—"}</Td>
                <Td className="tabular-nums">{s.attempts}</Td>
                <Td className="tabular-nums text-xs">{duration(s.durationMs)}</Td>
              </tr>
            ))}
          </Table>
        </Card>
  );
}
