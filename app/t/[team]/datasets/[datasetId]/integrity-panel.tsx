import Link from "@/app/_components/link";
import { Badge, formatDateTime } from "@/app/_components/ui";
import { VerdictBadge } from "@/app/_components/evaluation-ui";
import type { latestIntegrityScanOf } from "@/lib/evaluations/integrity-latest";

/** The newest training-data integrity scan of this dataset version, or how to run one. */
export function IntegrityPanel({ scan, base }: { scan: Awaited<ReturnType<typeof latestIntegrityScanOf>>; base: string }) {
  if (!scan) {
    return (
      <p className="text-sm text-slate-500" data-testid="dataset-integrity">
        Not scanned yet. Run a <Link href={`${base}/evaluations/new`} className="text-brand-700 hover:underline">training-data integrity evaluation</Link> of a model trained on this version to look for duplicates, leakage, likely mislabelled examples and backdoor triggers.
      </p>
    );
  }
  const e = scan.evidence;
  const link = <Link href={`${base}/evaluations/${scan.number}`} className="text-brand-700 hover:underline">Scan #{scan.number}</Link>;
  if (scan.status !== "COMPLETED" || !e) {
    return <p className="text-sm text-slate-600" data-testid="dataset-integrity">{link} of {scan.model} is {scan.status.toLowerCase()} (started {formatDateTime(scan.createdAt)}).</p>;
  }
  return (
    <div className="space-y-2 text-sm text-slate-700" data-testid="dataset-integrity">
      <p>{link} with {scan.model}, {scan.finishedAt ? formatDateTime(scan.finishedAt) : ""}{scan.verdict ? <> · <VerdictBadge verdict={scan.verdict} /></> : null}</p>
      <ul className="space-y-1">
        <li>Live backdoor: {e.liveBackdoors?.length ? <Badge tone="red">towards {e.liveBackdoors.map((l) => `“${l}”`).join(", ")}</Badge> : "none found"}</li>
        <li>Suspicious class{(e.flaggedClasses?.length ?? 0) === 1 ? "" : "es"}: {e.flaggedClasses?.length ? e.flaggedClasses.map((l) => `“${l}”`).join(", ") : "none"}</li>
        <li>Likely mislabelled: {typeof e.suspectedMislabelShare === "number" ? `${(e.suspectedMislabelShare * 100).toFixed(1)}% of ${e.samples?.toLocaleString("en") ?? "?"} examples` : "not scanned"}</li>
        <li>Train/test leakage: {e.leakageGroups === null || e.leakageGroups === undefined ? "not checked" : e.leakageGroups === 0 ? "none" : `${e.leakageGroups} groups`}</li>
      </ul>
    </div>
  );
}
