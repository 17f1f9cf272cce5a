import type { Catalog, Control, FrameworkId } from "./catalog";
import { entriesByControl, type Crosswalk, type CrosswalkEntry, type EvidenceKind } from "./crosswalk";
import type { AttestationEvidence, ControlStatus, Evidence, EvidenceLink, Finding, ModelEvidence, Status } from "./engine-types";
import type { Policy, Tier } from "./policy";
import { modelLabel, notRecorded, type Ctx, type KindFinding } from "./rule-helpers";
import { e1Robustness, e13CalibrationOod, e14Corruptions, e15Integrity, e2Reliability, e3Record, e7Privacy } from "./rules-evaluations";
import { e10Deployments, e11Audit, e4Policy, e5Card, e6Data, e8Drift, e9Monitoring } from "./rules-records";

// The status engine: (policy, catalog, crosswalk, evidence) -> a status for every model × control.
// Pure: no database, no clock (evidence.now), no I/O. Every status says why in plain words and links the
// exact records it rests on. Rules, in order:
//   1. fresh direct evidence that fails            -> failing
//   2. direct evidence older than the policy allows, or the attestation it needs has expired -> stale
//   3. all direct evidence passes, and the attestation is valid where one is needed -> satisfied
//      (a control with only supporting mappings needs an attestation to be satisfied)
//   4. some evidence or an attestation, but not enough -> partial
//   5. nothing direct holds, but supporting evidence fails (or is stale) -> partial (or stale)
//   6. nothing -> not assessed (every finding then reads "no evidence" or, for supporting records, "passes")
// An evaluation whose reliability verdict is "unreliable" never counts as passing evidence, and a final
// guard refuses "satisfied" for any status that links one.
// Types: engine-types.ts; per-kind rules: rules-evaluations.ts, rules-records.ts; roll-ups: rollups.ts.

function kindFinding(kind: EvidenceKind, c: Ctx): KindFinding {
  switch (kind) {
    case "E1": return e1Robustness(c);
    case "E2": return e2Reliability(c);
    case "E3": return e3Record(c);
    case "E4": return e4Policy(c);
    case "E5": return e5Card(c);
    case "E6": return e6Data(c);
    case "E7": return e7Privacy(c);
    case "E8": return e8Drift(c);
    case "E9": return e9Monitoring(c);
    case "E10": return e10Deployments(c);
    case "E11": return e11Audit(c);
    case "E13": return e13CalibrationOod(c);
    case "E14": return e14Corruptions(c);
    case "E15": return e15Integrity(c);
    // A reviewer attestation: combine() judges it from the attestations and never asks here.
    case "E12": return notRecorded(kind);
    default: {
      // Every evidence kind has a case: a new kind added to EVIDENCE_KINDS does not compile until it is handled here.
      const unhandled: never = kind;
      throw new Error(`no status rule for evidence kind ${String(unhandled)}`);
    }
  }
}

// ---- Attestations ----------------------------------------------------------------------------------

function normalise(s: string) {
  return s.trim().toLowerCase();
}

/** Whether the attester is the model's owner (the card's owner matches one of their identities). */
export function attesterIsOwner(a: AttestationEvidence, m: ModelEvidence | null, identities: Record<string, string[]> = {}): boolean {
  if (!m) return false;
  const owner = normalise(m.owner);
  const ids = [a.attestedByLabel, ...(a.attestedByUserId ? identities[a.attestedByUserId] ?? [] : [])].map(normalise);
  return ids.includes(owner);
}

interface AttState { state: ControlStatus["attestation"]["state"]; chosen: AttestationEvidence | null; finding: KindFinding }

function attestationState(control: string, c: Ctx, all: AttestationEvidence[], identities: Record<string, string[]>): AttState {
  const mine = all.filter((a) => a.control === control && (a.modelId === null || a.modelId === c.m?.modelId)).sort((a, b) => b.attestedAt.getTime() - a.attestedAt.getTime());
  const link = (a: AttestationEvidence): EvidenceLink => ({ type: "attestation", id: a.id, label: `Attestation by ${a.attestedByLabel}, ${a.attestedAt.toISOString().slice(0, 10)}, ${a.modelId ? "for this model" : "team-wide"}`, path: `controls?control=${encodeURIComponent(control)}` });
  const live = mine.filter((a) => !a.revokedAt);
  const sod = c.policy.segregationOfDuties;
  const valid = live.filter((a) => a.expiresAt.getTime() > c.now.getTime());
  const validIndependent = valid.filter((a) => !(sod && attesterIsOwner(a, c.m, identities)));
  if (validIndependent.length) {
    const a = validIndependent[0];
    return { state: "valid", chosen: a, finding: { outcome: "pass", reason: `Attested by ${a.attestedByLabel} on ${a.attestedAt.toISOString().slice(0, 10)}, valid until ${a.expiresAt.toISOString().slice(0, 10)}: “${a.statement}”`, next: null, links: [link(a)] } };
  }
  if (valid.length) {
    const a = valid[0];
    return { state: "owner", chosen: a, finding: { outcome: "partial", reason: `The only valid attestation is by ${a.attestedByLabel}, the owner of ${c.m ? modelLabel(c.m) : "the model"}; the team requires segregation of duties.`, next: "Another reviewer (not the model owner) attests the control.", links: [link(a)] } };
  }
  if (live.length) {
    const a = live[0];
    return { state: "expired", chosen: a, finding: { outcome: "stale", reason: `The attestation by ${a.attestedByLabel} expired on ${a.expiresAt.toISOString().slice(0, 10)}.`, next: "A reviewer renews the attestation.", links: [link(a)] } };
  }
  if (mine.length) {
    const a = mine[0];
    return { state: "revoked", chosen: a, finding: { outcome: "missing", reason: `The attestation by ${a.attestedByLabel} was revoked on ${a.revokedAt!.toISOString().slice(0, 10)}.`, next: "A reviewer attests the control again once it holds.", links: [link(a)] } };
  }
  return { state: "none", chosen: null, finding: { outcome: "missing", reason: "No reviewer has attested this control.", next: "A reviewer attests the control with the evidence held outside Bulwark.", links: [] } };
}

// ---- Combining --------------------------------------------------------------------------------------

function combine(control: Control, entries: CrosswalkEntry[], c: Ctx, kindCache: Map<EvidenceKind, KindFinding>, att: AttState): Pick<ControlStatus, "status" | "reason" | "reasons" | "next" | "findings"> & { needed: boolean } {
  const findings: Finding[] = [];
  for (const e of entries) {
    if (e.mark === "threat" || e.evidence === "E12") continue;
    let f = kindCache.get(e.evidence);
    if (!f) { f = kindFinding(e.evidence, c); kindCache.set(e.evidence, f); }
    findings.push({ evidence: e.evidence, mark: e.mark, scope: e.scope, ...f });
  }
  const direct = findings.filter((f) => f.mark === "direct");
  const supporting = findings.filter((f) => f.mark === "supporting");
  const needed = direct.length === 0 || entries.some((e) => e.evidence === "E12") || c.tp.attestationRequired.includes(control.key);
  const attFinding: Finding = { evidence: "E12", mark: "supporting", scope: null, ...att.finding };
  const all = needed || att.state !== "none" ? [...findings, attFinding] : findings;
  const out = (status: Status, lead: Finding[], extra: string[] = []) => {
    const reasons = [...lead.map((f) => f.reason), ...extra];
    const next = lead.find((f) => f.next)?.next ?? all.find((f) => f.outcome !== "pass" && f.next)?.next ?? null;
    return { status, reason: reasons[0] ?? "", reasons, next, findings: all, needed };
  };

  if (entries.filter((e) => e.mark !== "threat").length === 0 && att.state === "none") {
    return { status: "not_assessed", reason: "No Bulwark evidence maps to this control and no reviewer has attested it.", reasons: ["No Bulwark evidence maps to this control and no reviewer has attested it."], next: "Attest the control if it applies, or map evidence to it in the crosswalk.", findings: [], needed };
  }
  const directFail = direct.filter((f) => f.outcome === "fail");
  if (directFail.length) return out("failing", directFail);
  const directStale = direct.filter((f) => f.outcome === "stale");
  if (directStale.length) return out("stale", directStale);
  if (needed && att.state === "expired") return out("stale", [attFinding]);

  const directPass = direct.length > 0 && direct.every((f) => f.outcome === "pass");
  const attOk = att.state === "valid";
  const supportingFail = supporting.filter((f) => f.outcome === "fail");
  if ((directPass || direct.length === 0) && (!needed || attOk) && (directPass || attOk)) {
    if (supportingFail.length) return out("partial", supportingFail, [directPass ? "Direct evidence passes, but supporting evidence fails." : "Attested, but supporting evidence fails."]);
    const lead = [...direct, ...(attOk ? [attFinding] : [])];
    return out("satisfied", lead, supporting.filter((f) => f.outcome === "pass").map((f) => f.reason));
  }
  // With direct mappings, only direct evidence (or an attestation) counts as "something": supporting
  // records alone do not make a measured control partly met.
  const some = (fs: Finding[]) => fs.some((f) => f.outcome === "pass" || f.outcome === "partial");
  const anything = (direct.length ? some(direct) : some(supporting)) || attOk || att.state === "owner";
  if (anything) {
    const gaps = [...direct.filter((f) => f.outcome !== "pass"), ...(needed && !attOk ? [attFinding] : []), ...supportingFail];
    const lead = gaps.length ? gaps : findings.filter((f) => f.outcome !== "pass");
    return out("partial", lead, findings.filter((f) => f.outcome === "pass").map((f) => `Present: ${f.reason}`));
  }
  // Nothing direct holds (none mapped, or none recorded yet). Supporting evidence that fails or has aged
  // out still assessed the control, so the status says so: "not assessed" next to a finding that fails
  // (e.g. a live backdoor under MEASURE 2.7 for a model never attacked) contradicted its own evidence.
  // A failing supporting record makes a control partial, as it does beside passing direct evidence.
  if (supportingFail.length) return out("partial", supportingFail, ["No direct evidence holds, and supporting evidence fails."]);
  const supportingStale = supporting.filter((f) => f.outcome === "stale");
  if (supportingStale.length) return out("stale", supportingStale);
  return out("not_assessed", needed ? [attFinding, ...findings] : findings);
}

/** An unreliable evaluation never makes a control satisfied, whatever else the rules said. */
function guardUnreliable(s: Pick<ControlStatus, "status" | "findings" | "reason" | "reasons">) {
  if (s.status !== "satisfied") return s;
  const bad = s.findings.some((f) => f.outcome === "pass" && f.links.some((l) => l.type === "evaluation" && l.verdict === "unreliable"));
  if (!bad) return s;
  const reason = "An evaluation whose checks failed (unreliable) is among the evidence; it cannot make the control satisfied.";
  return { ...s, status: "partial" as const, reason, reasons: [reason, ...s.reasons] };
}

export interface ComputeOptions {
  /** Limit to these frameworks (default: all). */
  frameworks?: FrameworkId[];
}

/**
 * For every model × assessable control: its status, reasons and evidence. With no models, one team-level
 * subject (modelId null) carries the team-wide evidence and attestations.
 */
export function computeControlStatuses(policy: Policy, catalog: Catalog, crosswalk: Crosswalk, evidence: Evidence, opts: ComputeOptions = {}): ControlStatus[] {
  const byControl = entriesByControl(crosswalk);
  const controls = catalog.frameworks
    .filter((f) => !opts.frameworks || opts.frameworks.includes(f.id))
    .flatMap((f) => f.controls.filter((c) => c.kind === "control"));
  const subjects: (ModelEvidence | null)[] = evidence.models.length ? evidence.models : [null];
  const out: ControlStatus[] = [];
  for (const m of subjects) {
    const tier: Tier = m?.tier ?? "high";
    const c: Ctx = { policy, tp: policy.tiers[tier], tier, now: evidence.now, m, team: evidence.team };
    const cache = new Map<EvidenceKind, KindFinding>();
    for (const control of controls) {
      const entries = byControl.get(control.key) ?? [];
      const att = attestationState(control.key, c, evidence.attestations, evidence.userIdentities ?? {});
      const r = guardUnreliable(combine(control, entries, c, cache, att));
      const rr = r as ReturnType<typeof combine>;
      out.push({
        control: control.key, framework: control.framework, controlId: control.id,
        modelId: m?.modelId ?? null, modelLabel: m ? modelLabel(m) : "Team",
        status: r.status, reason: r.reason, reasons: r.reasons, next: rr.next, findings: r.findings,
        attestation: { state: att.state, needed: rr.needed, id: att.chosen?.id ?? null, expiresAt: att.chosen?.expiresAt ?? null, by: att.chosen?.attestedByLabel ?? null },
        catalogVersion: catalog.version, policyVersion: evidence.team.policyVersion, computedAt: evidence.now,
      });
    }
  }
  return out;
}

