import type { ReportSnapshot } from "../../reports/schemas";
import { STATUS_LABELS, type Status } from "../engine-types";
import { OSCAL_VERSION, oscalToken, prop, uuidFor } from "./ids";

// OSCAL Assessment Results from a report snapshot (plain JSON frozen by lib/reports/snapshot.ts). Pure: the
// same snapshot, log and address give the same document, byte for byte; every UUID is derived from stable
// ids. One `result` per framework (each names its own catalog's control ids), each with the reviewed
// controls, a finding per control and model (target status satisfied / not-satisfied, Bulwark's status and
// reason as props), the observations (evaluations, models, datasets, attestations, policy, audit chain,
// deployments) with links back to Bulwark, the assessment log and the attestations.

export interface AssessmentLogEvent {
  id: string;
  seq: number;
  at: string;
  actor: string;
  actorIsUser: boolean;
  action: string;
  description: string;
  hash: string;
}

export interface ReportApproval {
  label: string;
  status: string;
  approvedBy: string | null;
  approvedAt: string | null;
  draftPdfSha256: string | null;
  approvedPdfSha256: string | null;
}

export interface AssessmentResultsInput {
  snapshot: ReportSnapshot;
  snapshotSha256: string;
  /** What was exported: a stored report, or the team's / a model's posture now. */
  subject: "report" | "team" | "model";
  report: ReportApproval | null;
  log: AssessmentLogEvent[];
  /** The instance's address (links back to Bulwark), e.g. https://bulwark.example.com. */
  baseUrl: string;
}

type Json = Record<string, unknown>;

/** OSCAL's two target states; Bulwark's five statuses travel as a prop beside them. */
function targetStatus(s: Status): Json {
  if (s === "satisfied") return { state: "satisfied", reason: "pass" };
  return { state: "not-satisfied", reason: s === "failing" ? "fail" : "other", remarks: STATUS_LABELS[s] };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const normLabel = (n: string) => (n === "l2" ? "L2" : "L∞");

export function buildAssessmentResults(input: AssessmentResultsInput): Json {
  const { snapshot: s, snapshotSha256, baseUrl } = input;
  const docUuid = uuidFor("assessment-results", s.team.id, input.subject, s.report.id, snapshotSha256);
  const at = s.report.generatedAt;
  const root = baseUrl.replace(/\/+$/, "");
  const base = `${root}/t/${encodeURIComponent(s.team.slug)}`;
  const link = (path: string, text?: string) => ({ href: `${base}/${path}`, ...(text ? { text } : {}) });

  // ---- parties: the team, Bulwark itself, and every person named (attesters, approver, log actors)
  const parties = new Map<string, Json>();
  const party = (name: string, type: "person" | "organization") => {
    const uuid = uuidFor(s.team.id, "party", type, name);
    if (!parties.has(uuid)) parties.set(uuid, { uuid, type, name });
    return uuid;
  };
  const teamParty = party(s.team.name, "organization");
  const systemParty = party("Bulwark (system)", "organization");

  // ---- back matter: the policy (the plan the assessment follows), the snapshot, the PDFs, the catalogs
  const policyRes = uuidFor(docUuid, "resource", "policy");
  const snapshotRes = uuidFor(docUuid, "resource", "snapshot");
  const resources: Json[] = [
    {
      uuid: policyRes, title: s.policy.version ? `Robustness policy v${s.policy.version}` : "Default robustness policy",
      description: s.policy.tiers.map((t) => `${t.tier}: ${t.thresholds.map((x) => `${normLabel(x.norm)} ε ${x.eps} ≥ ${pct(x.min)}`).join(", ") || "no thresholds"}; evidence at most ${t.maxEvidenceAgeDays} days old; at least ${t.minSampleCount} samples, ${t.minAttacks} attacks${t.requireIterative ? ", one iterative" : ""}; verdict ${t.requiredVerdict}.`).join(" "),
      props: [prop("policy-version", s.policy.version ?? "default"), prop("segregation-of-duties", s.policy.segregationOfDuties)],
      rlinks: [{ href: `${base}/settings/policy` }],
    },
    {
      uuid: snapshotRes, title: `Report snapshot ${s.report.number > 0 ? `R-${s.report.number}` : "(live posture)"}`,
      description: "The frozen report snapshot these results were built from (Bulwark JSON); its SHA-256 is the one the report PDF prints.",
      props: [prop("snapshot-sha256", snapshotSha256)],
      rlinks: [{ href: s.report.number > 0 ? `${base}/reports/${encodeURIComponent(s.report.id)}` : `${base}/controls`, "media-type": "application/json", hashes: [{ algorithm: "SHA-256", value: snapshotSha256 }] }],
    },
  ];
  if (input.report) {
    for (const [edition, sha] of [["draft", input.report.draftPdfSha256], ["approved", input.report.approvedPdfSha256]] as const) {
      if (!sha) continue;
      resources.push({
        uuid: uuidFor(docUuid, "resource", "pdf", edition), title: `${input.report.label} (${edition} PDF)`,
        props: [prop("pdf-edition", edition)],
        rlinks: [{ href: `${root}/api/v1/reports/${encodeURIComponent(s.report.id)}/pdf`, "media-type": "application/pdf", hashes: [{ algorithm: "SHA-256", value: sha }] }],
      });
    }
  }
  const catalogRes = new Map<string, string>();
  for (const p of s.posture) {
    const uuid = uuidFor(docUuid, "resource", "catalog", p.framework);
    catalogRes.set(p.framework, uuid);
    resources.push({
      uuid, title: `${p.name} catalog (${p.version})`, description: "The OSCAL catalog whose control ids this result's findings name.",
      props: [prop("framework", p.framework), prop("catalog-version", s.versions.catalog)],
      rlinks: [{ href: `${root}/api/v1/oscal/catalogs/${encodeURIComponent(p.framework)}`, "media-type": "application/json" }],
    });
  }

  // ---- subjects: each model in scope as a component
  const componentUuid = (modelId: string) => uuidFor(s.team.id, "component", modelId);
  const modelById = new Map(s.models.map((m) => [m.id, m]));
  const components = s.models.map((m) => ({
    uuid: componentUuid(m.id), type: "software", title: m.label,
    description: m.card.intendedUse || `${m.card.task} model`,
    props: [prop("model-version-id", m.versionId), prop("manifest-sha256", m.manifestDigest), prop("risk-tier", m.tier), prop("task", m.card.task)],
    links: [link(`models/${encodeURIComponent(m.id)}`)],
    status: { state: "operational" },
  }));
  const subjectsOf = (modelId: string | null) => (modelId && modelById.has(modelId) ? { subjects: [{ "subject-uuid": componentUuid(modelId), type: "component" }] } : {});

  // ---- observations (built once as templates; each result gets them under its own UUIDs)
  interface Obs { key: string; body: Json }
  const obs: Obs[] = [];
  const add = (key: string, body: Json) => obs.push({ key, body });
  const byNumber = new Map<number, string>();
  const byDigest = new Map<string, string>();
  const modelObs = new Map<string, string>();
  const opsObs = new Map<string, string>();

  for (const m of s.models) {
    const key = `model|${m.versionId}`;
    modelObs.set(m.id, key);
    add(key, {
      title: `Model ${m.label}: registry entry and card`,
      description: `Registered ${m.registeredAt.slice(0, 10)}, owner ${m.owner || "unknown"}, risk tier ${m.tier}. Task ${m.card.task}; input shape ${m.card.inputShape.join("×") || "?"}, range ${m.card.inputRange.min}..${m.card.inputRange.max}; ${m.card.trainingMethod}. Manifest SHA-256 ${m.manifestDigest}.`,
      props: [prop("evidence-type", "model"), prop("manifest-sha256", m.manifestDigest), prop("risk-tier", m.tier)],
      links: [link(`models/${encodeURIComponent(m.id)}`, m.label)],
      methods: ["EXAMINE"], ...subjectsOf(m.id),
      ...(m.files.length ? { "relevant-evidence": m.files.map((f) => ({ href: `${base}/models/${encodeURIComponent(m.id)}`, description: `${f.path} (${f.size} bytes), SHA-256 ${f.sha256}`, props: [prop("sha256", f.sha256)] })) } : {}),
      collected: m.registeredAt,
    });
    if (m.integrity) {
      const i = m.integrity;
      const k = `integrity|${m.versionId}|${i.number}`;
      byNumber.set(i.number, k);
      add(k, {
        title: `Integrity scan #${i.number} of ${m.label}'s training data`,
        description: `${i.trainingData}, ${i.samples} samples: verdict ${i.verdict ?? "none"}. ${i.reasons.join(" ")}${i.liveBackdoors.length ? ` Live trigger towards ${i.liveBackdoors.join(", ")}.` : ""}`,
        props: [prop("evidence-type", "integrity-scan"), prop("evaluation-number", i.number), prop("verdict", i.verdict ?? "none")],
        links: [link(`evaluations/${i.number}`, `Integrity scan #${i.number}`)],
        methods: ["TEST"], ...subjectsOf(m.id), collected: i.finishedAt,
      });
    }
    if (m.privacy) {
      const p = m.privacy;
      const k = `privacy|${m.versionId}|${p.number}`;
      byNumber.set(p.number, k);
      add(k, {
        title: `Evaluation #${p.number}: membership inference on ${m.label}`,
        description: `${p.members} members from ${p.membersFrom}, ${p.nonMembers} non-members from ${p.nonMembersFrom}: verdict ${p.verdict ?? "none"}. ${p.attacks.map((a) => `${a.label}: AUC ${a.auc.toFixed(3)}, advantage ${a.advantage.toFixed(3)}`).join("; ")}. ${p.reading}`,
        props: [prop("evidence-type", "membership-inference"), prop("evaluation-number", p.number), prop("verdict", p.verdict ?? "none")],
        links: [link(`evaluations/${p.number}`, `Evaluation #${p.number}`)],
        methods: ["TEST"], ...subjectsOf(m.id), collected: p.finishedAt,
      });
    }
    const envs = m.operations?.environments ?? [];
    if (envs.length) {
      const k = `operations|${m.versionId}`;
      opsObs.set(m.id, k);
      add(k, {
        title: `Deployments and monitoring of ${m.name}`,
        description: envs.map((e) => `${e.environment}: v${e.version} ${e.decision} by ${e.by} on ${e.at.slice(0, 10)}, gate ${e.gatePassed ? "passed" : `overridden (${e.overrideReason ?? "no reason"})`}, evidence SHA-256 ${e.evidenceSha256}; ${e.batches} monitoring batches, ${e.openAlerts.length} open drift alerts.`).join(" "),
        props: [prop("evidence-type", "deployment"), ...envs.map((e) => prop("gate-evidence-sha256", e.evidenceSha256, oscalToken(e.environment)))],
        links: [link(`operations/${encodeURIComponent(m.id)}`)],
        methods: ["EXAMINE"], ...subjectsOf(m.id), collected: envs.map((e) => e.at).sort().at(-1)!,
      });
    }
  }
  const datasets = new Map<string, ReportSnapshot["evaluations"][number]["dataset"]>();
  for (const e of s.evaluations) datasets.set(e.dataset.versionId, e.dataset);
  for (const m of s.models) if (m.trainingDataset) datasets.set(m.trainingDataset.versionId, m.trainingDataset);
  for (const d of [...datasets.values()].sort((a, b) => a.label.localeCompare(b.label) || a.versionId.localeCompare(b.versionId))) {
    const k = `dataset|${d.versionId}`;
    byDigest.set(d.tensorDigest, k);
    byDigest.set(d.manifestDigest, k);
    add(k, {
      title: `Dataset ${d.label}`,
      description: `${d.sampleCount} samples (${d.split}); licence ${d.licence}; personal data: ${d.personalData}; source ${d.source || "not stated"}; legal basis ${d.legalBasis || "not stated"}. Tensor SHA-256 ${d.tensorDigest}, manifest SHA-256 ${d.manifestDigest}.`,
      props: [prop("evidence-type", "dataset"), prop("tensor-sha256", d.tensorDigest), prop("manifest-sha256", d.manifestDigest), prop("licence", d.licence), prop("personal-data", d.personalData)],
      methods: ["EXAMINE"], collected: at,
    });
  }
  for (const e of s.evaluations) {
    const k = `evaluation|${e.id}`;
    byNumber.set(e.number, k);
    add(k, {
      title: `Evaluation #${e.number} of ${e.modelLabel}`,
      description: `Robustness evaluation on ${e.dataset.label}: ${e.samples} samples, seed ${e.seed}, preset ${e.preset}${e.threatModel ? `, ${e.threatModel}` : ""}. Clean accuracy ${pct(e.cleanAccuracy)}; worst-case robust accuracy ${e.worstCase.map((w) => `${normLabel(w.norm)} ε ${w.eps}: ${pct(w.robustAccuracy)}`).join(", ") || "none"}. Reliability: ${e.reliability?.verdict ?? "not checked"}${e.reliability?.reasons.length ? ` (${e.reliability.reasons.join("; ")})` : ""}. Engine ${e.provenance.backend ?? "unknown"}.`,
      props: [
        prop("evidence-type", "evaluation"), prop("evaluation-number", e.number), prop("clean-accuracy", e.cleanAccuracy),
        ...e.worstCase.map((w) => prop("robust-accuracy", w.robustAccuracy, oscalToken(`${w.norm}-eps-${w.eps}`))),
        prop("reliability", e.reliability?.verdict ?? "not-checked"), prop("model-sha256", e.modelDigest), prop("dataset-sha256", e.dataset.tensorDigest),
        prop("seed", e.seed), prop("samples", e.samples),
      ],
      links: [link(`evaluations/${e.number}`, `Evaluation #${e.number}`)],
      methods: ["TEST"], ...subjectsOf(e.modelId), collected: e.finishedAt,
    });
  }
  const attestationKey = new Map<string, string>();
  for (const a of s.attestations) {
    const k = `attestation|${a.id}`;
    attestationKey.set(a.id, k);
    add(k, {
      title: `Attestation of ${a.controlId}${a.model ? ` for ${a.model}` : " (team-wide)"}`,
      description: a.statement,
      props: [prop("evidence-type", "attestation"), prop("state", a.state), prop("attested-by", a.by), ...a.files.map((f) => prop("file-sha256", f.sha256))],
      links: [link(`controls?control=${encodeURIComponent(a.control)}`, a.controlId)],
      methods: ["INTERVIEW"],
      origins: [{ actors: [{ type: "party", "actor-uuid": party(a.by, "person"), "role-id": "attester" }] }],
      collected: a.attestedAt, expires: a.expiresAt,
      ...(a.files.length ? { "relevant-evidence": a.files.map((f) => ({ href: `${base}/controls?control=${encodeURIComponent(a.control)}`, description: `${f.name}, SHA-256 ${f.sha256}`, props: [prop("sha256", f.sha256)] })) } : {}),
    });
  }
  const alertKey = new Map<string, string[]>();
  for (const x of s.alerts) {
    const k = `alert|${x.id}`;
    alertKey.set(x.modelLabel, [...(alertKey.get(x.modelLabel) ?? []), k]);
    add(k, {
      title: `Regression alert on ${x.modelLabel}${x.evaluationNumber ? ` (evaluation #${x.evaluationNumber})` : ""}`,
      description: `${x.summary}${x.acknowledged ? ` Acknowledged by ${x.acknowledgedBy ?? "a reviewer"}${x.note ? `: ${x.note}` : "."}` : " Open."}`,
      props: [prop("evidence-type", "regression-alert"), prop("acknowledged", x.acknowledged)],
      links: [link("evaluations", "Evaluations")], methods: ["TEST"], collected: x.createdAt,
    });
  }
  add("policy", {
    title: resources[0]!.title, description: String(resources[0]!.description),
    props: [prop("evidence-type", "policy"), prop("policy-version", s.policy.version ?? "default")],
    links: [link("settings/policy", "Robustness policy")], methods: ["EXAMINE"], collected: at,
  });
  add("audit-chain", {
    title: "Hash-chained audit log",
    description: s.auditChain.intact ? `${s.auditChain.count} events; the chain verifies${s.auditChain.head ? `, head ${s.auditChain.head}` : ""}.` : `The chain does NOT verify: ${s.auditChain.brokenAt ?? "broken"}.`,
    props: [prop("evidence-type", "audit-log"), prop("chain-intact", s.auditChain.intact), prop("event-count", s.auditChain.count), ...(s.auditChain.head ? [prop("chain-head-sha256", s.auditChain.head)] : [])],
    links: [link("audit", "Audit log")], methods: ["EXAMINE"], collected: at,
  });

  /** Which observations a control's evidence rests on (the snapshot lists each control's evidence by label). */
  function evidenceOf(c: ReportSnapshot["controls"][number]): string[] {
    const keys = new Set<string>();
    for (const e of c.evidence) {
      const num = /#(\d+)/.exec(e.label);
      if (e.type === "evaluation" && num && byNumber.has(Number(num[1]))) keys.add(byNumber.get(Number(num[1]))!);
      else if (e.type === "model" && c.modelId && modelObs.has(c.modelId)) keys.add(modelObs.get(c.modelId)!);
      else if (e.type === "dataset" && e.digest && byDigest.has(e.digest)) keys.add(byDigest.get(e.digest)!);
      else if (e.type === "policy") keys.add("policy");
      else if (e.type === "audit") keys.add("audit-chain");
      else if ((e.type === "deployment" || e.type === "monitoring") && c.modelId && opsObs.has(c.modelId)) keys.add(opsObs.get(c.modelId)!);
      else if (e.type === "alert") for (const k of alertKey.get(c.modelLabel) ?? []) keys.add(k);
    }
    for (const a of s.attestations) if (a.control === c.control && (a.model === null || a.model === c.modelLabel)) keys.add(attestationKey.get(a.id)!);
    return [...keys];
  }

  // ---- the assessment log (shared by every result; entries get per-result UUIDs)
  const logEntries = (resultUuid: string) => input.log.map((e) => ({
    uuid: uuidFor(resultUuid, "log", e.id), title: e.action, description: e.description, start: e.at,
    "logged-by": [{ "party-uuid": e.actorIsUser ? party(e.actor, "person") : systemParty }],
    props: [prop("audit-seq", e.seq), prop("audit-hash", e.hash)],
  }));

  const platformUuid = uuidFor(s.team.id, "assessment-platform", "bulwark");
  const starts = [...s.evaluations.map((e) => e.finishedAt), ...s.attestations.map((a) => a.attestedAt)].sort();
  const start = s.scope.period.from ? `${s.scope.period.from}T00:00:00.000Z` : (starts[0] && starts[0] < at ? starts[0] : at);

  const results = s.posture.map((p) => {
    const rUuid = uuidFor(docUuid, "result", p.framework);
    const controls = s.controls.filter((c) => c.framework === p.framework);
    const ids = [...new Set(controls.map((c) => oscalToken(c.controlId)))];
    const obsUuid = (key: string) => uuidFor(rUuid, "observation", key);
    const findings = controls.map((c) => {
      const related = evidenceOf(c);
      return {
        uuid: uuidFor(rUuid, "finding", c.control, c.modelId ?? "team"),
        title: `${c.controlId} ${c.title} — ${c.modelLabel}: ${STATUS_LABELS[c.status]}`,
        description: `${STATUS_LABELS[c.status]}: ${c.reason}${c.next ? ` Next step: ${c.next}` : ""}`,
        props: [prop("status", c.status), prop("control-label", c.controlId), prop("subject", c.modelLabel)],
        links: [link(`controls?control=${encodeURIComponent(c.control)}`, c.controlId)],
        origins: [{ actors: [{ type: "assessment-platform", "actor-uuid": platformUuid }] }],
        target: { type: "objective-id", "target-id": oscalToken(c.controlId), title: c.title, status: targetStatus(c.status) },
        ...(related.length ? { "related-observations": related.map((k) => ({ "observation-uuid": obsUuid(k) })) } : {}),
      };
    });
    const attestations = s.attestations.filter((a) => a.control.startsWith(`${p.framework}:`)).map((a) => ({
      "responsible-parties": [{ "role-id": "attester", "party-uuids": [party(a.by, "person")] }],
      parts: [{
        uuid: uuidFor(rUuid, "attestation", a.id), name: "attestation", title: `${a.controlId}${a.model ? ` — ${a.model}` : " — team-wide"} (${a.state})`,
        prose: `${a.statement}\n\nAttested by ${a.by} on ${a.attestedAt.slice(0, 10)}, expires ${a.expiresAt.slice(0, 10)}${a.state === "revoked" ? `; revoked by ${a.revokedBy ?? "a reviewer"}: ${a.revokeReason ?? "no reason given"}` : ""}.`,
        props: [prop("state", a.state), prop("control-label", a.controlId)],
      }],
    }));
    if (input.report?.approvedBy && input.report.approvedAt) {
      attestations.push({
        "responsible-parties": [{ "role-id": "approver", "party-uuids": [party(input.report.approvedBy, "person")] }],
        parts: [{
          uuid: uuidFor(rUuid, "approval"), name: "approval", title: `${input.report.label} approved`,
          prose: `Approved by ${input.report.approvedBy} on ${input.report.approvedAt}. Snapshot SHA-256 ${snapshotSha256}${input.report.approvedPdfSha256 ? `; approved PDF SHA-256 ${input.report.approvedPdfSha256}` : ""}.`,
          props: [prop("state", "approved"), prop("snapshot-sha256", snapshotSha256)],
        }],
      });
    }
    const log = logEntries(rUuid);
    const counts = Object.entries(p.counts).map(([k, v]) => prop("count", v, oscalToken(k)));
    return {
      uuid: rUuid,
      title: `${p.name} (${p.version})`,
      description: `Control statuses of ${s.scope.modelLabels.length ? s.scope.modelLabels.join(", ") : "the team"} under ${s.policy.version ? `robustness policy v${s.policy.version}` : "the default policy"}: ${Object.entries(p.counts).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${STATUS_LABELS[k as Status].toLowerCase()}`).join(", ") || "no control assessed"}.`,
      start, end: at,
      props: [prop("framework", p.framework), prop("framework-version", p.version), prop("catalog-version", s.versions.catalog), prop("policy-version", s.policy.version ?? "default"), ...counts],
      "local-definitions": {
        ...(components.length ? { components } : {}),
        "assessment-assets": { "assessment-platforms": [{ uuid: platformUuid, title: s.versions.app }] },
      },
      "reviewed-controls": {
        description: `Every control of ${p.name} Bulwark's crosswalk maps evidence to, per model in scope.`,
        links: [{ href: `#${catalogRes.get(p.framework)}`, rel: "reference", text: `${p.name} catalog` }],
        "control-selections": [ids.length ? { "include-controls": ids.map((id) => ({ "control-id": id })) } : { description: "No control of this framework was assessed." }],
      },
      ...(attestations.length ? { attestations } : {}),
      ...(log.length ? { "assessment-log": { entries: log } } : {}),
      observations: obs.map((o) => ({ uuid: obsUuid(o.key), ...o.body })),
      ...(findings.length ? { findings } : {}),
    };
  });

  const title = input.subject === "report" && input.report
    ? `${input.report.label} ${s.report.title} — OSCAL assessment results`
    : `${s.team.name}: ${input.subject === "model" ? s.scope.modelLabels.join(", ") : "team"} posture — OSCAL assessment results`;
  const metadata: Json = {
    title,
    published: at,
    "last-modified": at,
    version: input.report ? `${input.report.label} ${input.report.status}` : at,
    "oscal-version": OSCAL_VERSION,
    props: [
      prop("snapshot-sha256", snapshotSha256), prop("export-subject", input.subject), prop("team", s.team.slug),
      prop("catalog-version", s.versions.catalog), prop("policy-version", s.policy.version ?? "default"), prop("generator", s.versions.app),
      ...(input.report ? [prop("report-status", input.report.status)] : []),
    ],
    links: [link(input.report ? `reports/${encodeURIComponent(s.report.id)}` : "controls", input.report ? input.report.label : "Controls")],
    roles: [{ id: "prepared-for", title: "Prepared for" }, { id: "assessor", title: "Assessor" }, { id: "attester", title: "Control attester" }, { id: "approver", title: "Report approver" }],
    parties: [...parties.values()],
    "responsible-parties": [
      { "role-id": "prepared-for", "party-uuids": [teamParty] },
      { "role-id": "assessor", "party-uuids": [s.report.generatedBy.label && s.report.generatedBy.userId ? party(s.report.generatedBy.label, "person") : systemParty] },
      ...(input.report?.approvedBy ? [{ "role-id": "approver", "party-uuids": [party(input.report.approvedBy, "person")] }] : []),
    ],
  };
  // Parties are gathered while the results are built: read them last.
  metadata.parties = [...parties.values()];
  return {
    "assessment-results": {
      uuid: docUuid,
      metadata,
      "import-ap": { href: `#${policyRes}`, remarks: "Bulwark has no separate assessment plan: the team's robustness policy and the crosswalk of evidence to controls are the plan (see the back-matter resource)." },
      results,
      "back-matter": { resources },
    },
  };
}
