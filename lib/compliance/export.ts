import type { Catalog, FrameworkId } from "./catalog";
import type { ControlStatus, ModelEvidence } from "./engine-types";
import { STATUS_LABELS } from "./engine-types";
import { toCsv } from "../csv";

// A statement-of-applicability style export: one row per control × model, with the status, the reason,
// the evidence (with digests) and the versions it was computed with. Pure.

const COLUMNS = ["framework", "framework_version", "control_id", "control_title", "model", "model_digest", "status", "reason", "next_step", "evidence", "attestation", "catalog_version", "policy_version", "computed_at"] as const;

export function statusesToCsv(statuses: ControlStatus[], catalog: Catalog, models: Pick<ModelEvidence, "modelId" | "digest">[], framework?: FrameworkId): string {
  const digest = new Map(models.map((m) => [m.modelId, m.digest]));
  const fw = new Map(catalog.frameworks.map((f) => [f.id, f]));
  const rows = statuses
    .filter((s) => !framework || s.framework === framework)
    .map((s) => {
      const c = catalog.byKey.get(s.control);
      const evidence = s.findings.flatMap((f) => f.links.map((l) => `${f.evidence} ${f.mark} ${f.outcome}: ${l.label}${l.digest ? ` [sha256 ${l.digest}]` : ""}`));
      const att = s.attestation.state === "none" ? (s.attestation.needed ? "needed, none" : "") : `${s.attestation.state}${s.attestation.by ? ` by ${s.attestation.by}` : ""}${s.attestation.expiresAt ? ` until ${s.attestation.expiresAt.toISOString().slice(0, 10)}` : ""}`;
      return [fw.get(s.framework)?.shortName, fw.get(s.framework)?.version, s.controlId, c?.title, s.modelLabel, s.modelId ? digest.get(s.modelId) : "", STATUS_LABELS[s.status], s.reason, s.status === "satisfied" ? "" : s.next, [...new Set(evidence)].join(" | "), att, s.catalogVersion, s.policyVersion ?? "default", s.computedAt.toISOString()];
    });
  return toCsv([[...COLUMNS], ...rows]);
}
