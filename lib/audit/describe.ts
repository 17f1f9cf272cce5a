import { db } from "../db/client";
import type { TeamContext } from "../teams/access";

// Audit events in words: "approved Report R-3 — “Fine for Q4”" instead of an action code and an id,
// with the subject named as people know it (Evaluation #96, digits-cnn v2) and a link to its page.

export interface SubjectLabel {
  label: string;
  /** Path under /t/<team>/, or null when the subject has no page (or is gone). */
  path: string | null;
}

const VERBS: Record<string, string> = {
  "team.create": "created the team",
  "member.add": "added a member",
  "member.remove": "removed a member",
  "member.role.change": "changed a member's role",
  "user.sessions.revoke": "signed out everywhere",
  "token.create": "created an API token",
  "token.revoke": "revoked an API token",
  "model.create": "registered a model",
  "model.version.create": "registered",
  "model.version.discard": "discarded an upload of",
  "model.version.delete": "deleted",
  "model.version.archive": "archived",
  "model.version.restore": "restored",
  "model.card.update": "edited the card of",
  "model.archive": "archived",
  "model.restore": "restored",
  "model.endpoint.test": "tested the endpoint of",
  "dataset.create": "registered a dataset",
  "dataset.version.create": "registered",
  "dataset.version.discard": "discarded an upload of",
  "dataset.version.delete": "deleted",
  "dataset.version.archive": "archived",
  "dataset.version.restore": "restored",
  "dataset.card.update": "edited the card of",
  "dataset.archive": "archived",
  "dataset.restore": "restored",
  "evaluation.create": "launched",
  "evaluation.cancel": "cancelled",
  "evaluation.complete": "completed",
  "evaluation.fail": "recorded the failure of",
  "schedule.create": "created",
  "schedule.update": "changed",
  "schedule.pause": "paused",
  "schedule.resume": "resumed",
  "schedule.delete": "deleted",
  "regression.detect": "raised a regression alert on",
  "alert.acknowledge": "acknowledged",
  "policy.save": "saved",
  "crosswalk.override": "overrode a crosswalk mapping",
  "crosswalk.reset": "reset a crosswalk mapping",
  "catalog.import": "uploaded",
  "catalog.rollback": "rolled back",
  "catalog.delete": "deleted",
  "crosswalk.import": "uploaded the evidence mapping of",
  "attestation.create": "attested",
  "attestation.revoke": "revoked",
  "report.create": "requested",
  "report.generate": "generated the draft of",
  "report.request_review": "asked for a review of",
  "report.request_changes": "requested changes to",
  "report.approve": "approved",
  "team.alerts.update": "changed the alert settings",
  "outbound.host.add": "allowed an outbound host",
  "outbound.host.remove": "removed an outbound host",
  "environment.create": "created",
  "deployment.promote": "promoted",
  "deployment.rollback": "rolled back",
  "deployment.override": "overrode the gate for",
  "monitoring.alert.open": "opened",
  "monitoring.alert.acknowledge": "acknowledged",
  "monitoring.alert.resolve": "resolved",
  "monitoring.alert.escalate": "escalated",
};

/** The detail that says the most about an event, quoted after its summary. */
const QUOTED = ["reason", "comment", "note", "statement"] as const;
/** Details worth naming inline (who or what was added, which role). */
const NAMED = ["email", "name", "role", "reviewer", "host", "title"] as const;

const clip = (s: string, n = 140) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** One line for an event: verb, subject and the detail that matters ("requested changes to Report R-3 — “…”"). */
export function describeEvent(action: string, details: Record<string, unknown>, subject: string): string {
  const verb = VERBS[action];
  const named = NAMED.map((k) => details[k]).filter((v): v is string => typeof v === "string" && v.length > 0 && !subject.includes(v)).slice(0, 2);
  const quote = QUOTED.map((k) => details[k]).find((v): v is string => typeof v === "string" && v.length > 0);
  // Verbs that read as a whole sentence name the subject after a colon; the others take it as their object.
  const standalone = verb && /^(created the team|added|removed|changed a|signed|created an|revoked an|registered a |allowed|overrode a|reset|changed the alert)/.test(verb);
  const head = verb ? (standalone ? `${verb}${named.length ? `: ${named.join(", ")}` : ""}` : `${verb} ${subject}${named.length ? ` (${named.join(", ")})` : ""}`) : `${action} on ${subject}`;
  return quote ? `${head} — “${clip(quote)}”` : head;
}

type EventRef = { subjectType: string; subjectId: string | null; details: unknown };

/** The subjects of some events, named and linked (looked up in the caller's team only). Key: "Type:id". */
export async function subjectLabels(ctx: TeamContext, events: EventRef[]): Promise<Map<string, SubjectLabel>> {
  const ids = (type: string) => [...new Set(events.filter((e) => e.subjectType === type && e.subjectId).map((e) => e.subjectId!))];
  const teamId = ctx.team.id;
  const out = new Map<string, SubjectLabel>();
  const [evaluations, reports, models, versions, datasets, dversions, schedules] = await Promise.all([
    db.evaluation.findMany({ where: { teamId, id: { in: ids("Evaluation") } }, select: { id: true, number: true } }),
    db.report.findMany({ where: { teamId, id: { in: ids("Report") } }, select: { id: true, number: true } }),
    db.model.findMany({ where: { teamId, id: { in: ids("Model") } }, select: { id: true, name: true } }),
    db.modelVersion.findMany({ where: { teamId, id: { in: ids("ModelVersion") } }, select: { id: true, version: true, modelId: true, model: { select: { name: true } } } }),
    db.dataset.findMany({ where: { teamId, id: { in: ids("Dataset") } }, select: { id: true, name: true } }),
    db.datasetVersion.findMany({ where: { teamId, id: { in: ids("DatasetVersion") } }, select: { id: true, version: true, datasetId: true, dataset: { select: { name: true } } } }),
    db.schedule.findMany({ where: { teamId, id: { in: ids("Schedule") } }, select: { id: true, name: true } }),
  ]);
  for (const e of evaluations) out.set(`Evaluation:${e.id}`, { label: `Evaluation #${e.number}`, path: `evaluations/${e.number}` });
  for (const r of reports) out.set(`Report:${r.id}`, { label: `Report R-${r.number}`, path: `reports/${r.id}` });
  for (const m of models) out.set(`Model:${m.id}`, { label: `model ${m.name}`, path: `models/${m.id}` });
  for (const v of versions) out.set(`ModelVersion:${v.id}`, { label: `${v.model.name} v${v.version}`, path: `models/${v.modelId}` });
  for (const d of datasets) out.set(`Dataset:${d.id}`, { label: `dataset ${d.name}`, path: `datasets/${d.id}` });
  for (const v of dversions) out.set(`DatasetVersion:${v.id}`, { label: `${v.dataset.name} v${v.version}`, path: `datasets/${v.datasetId}` });
  for (const s of schedules) out.set(`Schedule:${s.id}`, { label: `schedule “${s.name}”`, path: "evaluations/schedules" });
  // Gone or page-less subjects: named from the event's own details where they say it.
  const pages: Record<string, string> = { Membership: "settings/members", ApiToken: "settings/tokens", CompliancePolicy: "settings/policy", TeamSettings: "settings/alerts", OutboundHost: "settings/outbound", Attestation: "controls", CrosswalkOverride: "controls", Environment: "operations", Deployment: "operations", GateOverride: "operations", TeamCatalog: "settings/catalogs" };
  for (const e of events) {
    const key = `${e.subjectType}:${e.subjectId ?? ""}`;
    if (out.has(key)) continue;
    const d = (e.details ?? {}) as Record<string, unknown>;
    const num = typeof d.number === "number" ? d.number : null;
    const named = e.subjectType === "TeamCatalog" && typeof d.framework === "string" ? `${d.framework}${typeof d.version === "number" ? ` v${d.version}` : ""}` : typeof d.name === "string" ? d.name : typeof d.model === "string" ? `${d.model}${typeof d.version === "number" ? ` v${d.version}` : ""}` : typeof d.dataset === "string" ? `${d.dataset}${typeof d.version === "number" ? ` v${d.version}` : ""}` : null;
    const label = e.subjectType === "Evaluation" && num ? `Evaluation #${num}` : e.subjectType === "Report" && num ? `Report R-${num}` : named ? `${e.subjectType === "ApiToken" ? "token" : e.subjectType.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()} ${named}` : e.subjectType.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    out.set(key, { label, path: pages[e.subjectType] ?? null });
  }
  return out;
}
