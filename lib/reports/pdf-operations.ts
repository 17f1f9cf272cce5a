import { COLORS, type Layout } from "./layout";
import { fmtDateTime } from "./format";
import type { OperationsSnapshot } from "./schemas";

// Draws a model's deployment decisions and production monitoring into its section of the PDF: which
// version each environment runs, on whose decision, whether the release gate passed or a reviewer
// overrode it, and what monitoring has seen since (E10 and E8 in the crosswalk).

export function drawOperations(L: Layout, ops: OperationsSnapshot | undefined, modelLabel: string) {
  if (!ops) return; // a snapshot frozen before deployments were recorded in reports
  L.heading("Deployment and monitoring", 3);
  if (ops.environments.length === 0) {
    L.text(`No environment runs ${modelLabel.replace(/ v\d+$/, "")} through Bulwark's release gate at the time of this report, so there is no deployment decision or production monitoring to show.`, { size: 8.5, color: COLORS.muted });
    return;
  }
  L.table(
    [{ header: "Environment", width: 1.1 }, { header: "Runs", width: 0.5 }, { header: "Decision", width: 2.4 }, { header: "Gate evidence SHA-256", width: 1.4, mono: true }, { header: "Monitoring", width: 1.6 }, { header: "Open drift alerts", width: 2 }],
    ops.environments.map((e) => [
      { text: e.environment, bold: true },
      `v${e.version}`,
      `${e.decision === "rollback" ? "Rolled back" : "Promoted"} by ${e.by}, ${fmtDateTime(e.at)}; ` +
        (e.gatePassed ? "the release gate passed" : e.overrideReason ? `gate failed, reviewer override: ${e.overrideReason}` : "gate failed"),
      `${e.evidenceSha256.slice(0, 12)}…`,
      e.batches === 0 ? { text: "no batches received", color: COLORS.partial } : `${e.batches} batch${e.batches === 1 ? "" : "es"}, last ${fmtDateTime(e.lastBatchAt!)}`,
      e.openAlerts.length === 0
        ? "none"
        : { text: e.openAlerts.map((a) => `${a.severity} ${a.signal.replace(/-/g, " ")}${a.acknowledged ? " (acknowledged)" : ""}: ${a.summary}`).join("; "), color: COLORS.failing },
    ]),
    { size: 7.5 },
  );
  L.text("Each decision records the gate verdict it was taken on; its SHA-256 is in the audit log. Monitoring compares production input and prediction statistics with the evaluation dataset (PSI, Kolmogorov–Smirnov, confidence); see the E8 controls for what it supports.", { size: 7.5, color: COLORS.muted });
}
