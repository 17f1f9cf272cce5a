import type { FrameworkId } from "./catalog";
import type { EvidenceKind, Mark } from "./crosswalk";
import type { Tier, Verdict } from "./policy";

// The status engine's vocabulary: the evidence it reads (gathered from the database by evidence.ts, or
// built by hand in tests) and the status it produces for every model × control (engine.ts).

export const STATUSES = ["satisfied", "partial", "failing", "stale", "not_assessed"] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<Status, string> = {
  satisfied: "Satisfied", partial: "Partial", failing: "Failing", stale: "Stale", not_assessed: "Not assessed",
};

// ---- Evidence (input) ------------------------------------------------------------------------------

export interface EvaluationEvidence {
  id: string;
  number: number;
  finishedAt: Date;
  modelVersionId: string;
  modelDigest: string;
  datasetVersionId: string;
  /** The dataset (pages are per dataset; the version is named in the label). */
  datasetId: string;
  datasetLabel: string;
  datasetDigest: string;
  verdict: Verdict | null;
  reliabilityReasons: string[];
  /** Attacks of the suite (without the sanity check). */
  attacks: { id: string; family: string; norm: string }[];
  samples: number;
  cleanAccuracy: number | null;
  worstCase: { norm: string; eps: number; robustAccuracy: number }[];
  backend: string | null;
  /** Calibration, OOD and corruption results, when the evaluation measured them (null fields: not measured). */
  beyond?: BeyondEvidence;
}

export interface BeyondEvidence {
  /** Clean expected calibration error, and the largest ECE over the attack budgets. */
  ece: number | null;
  eceUnderAttackMax: number | null;
  /** OOD-detection AUROC by maximum softmax probability; share of OOD inputs answered with >= 90% confidence. */
  oodAuroc: number | null;
  oodHighConfidenceShare: number | null;
  /** Mean accuracy over the common corruptions and severities; mean corruption error. */
  corruptionAccuracy: number | null;
  corruptionMCE: number | null;
}

/** A completed training-data integrity scan (evaluation kind "integrity") of a model version. */
export interface IntegrityEvidence {
  id: string;
  number: number;
  finishedAt: Date;
  /** The training dataset version scanned. */
  datasetVersionId: string;
  datasetLabel: string;
  samples: number;
  /** Confident-learning share of likely mislabelled examples; null when cross-validation did not run. */
  suspectedMislabelShare: number | null;
  /** Classes flagged by activation clustering, and classes with a live trigger. */
  flaggedClasses: string[];
  liveBackdoors: string[];
  /** Duplicate groups across the training and held-out data; null when no held-out data was scanned. */
  leakageGroups: number | null;
  verdict: Verdict | null;
}

export interface DatasetEvidence {
  versionId: string;
  datasetId: string;
  label: string;
  digest: string;
  licence: string;
  personalData: string;
  source: string;
  legalBasis: string;
}

export interface ModelEvidence {
  modelId: string;
  name: string;
  versionId: string;
  version: number;
  digest: string;
  tier: Tier;
  owner: string;
  /** Card fields an auditor expects that are empty. */
  cardGaps: string[];
  registeredAt: Date;
  /** Completed evaluations of this version, any order. */
  evaluations: EvaluationEvidence[];
  /** Completed training-data integrity scans of this version, any order (absent: none loaded). */
  integrity?: IntegrityEvidence[];
  evaluationDataset: DatasetEvidence | null;
  trainingDataset: DatasetEvidence | null;
  openAlerts: { id: string; summary: string; createdAt: Date; maxDropPp: number | null; evaluationNumber: number | null }[];
  schedules: { id: string; name: string; paused: boolean; nextRunAt: Date | null }[];
  /** Deployment decisions and production monitoring of the model (lib/operations); absent: not loaded. */
  operations?: OperationsEvidence;
  /** Completed privacy (membership-inference) evaluations of this version (E7); absent: none loaded. */
  privacy?: PrivacyEvaluationEvidence[];
}

/** A completed membership-inference evaluation: the strongest attack's figures (lib/evaluations/privacy.ts). */
export interface PrivacyEvaluationEvidence {
  id: string;
  number: number;
  finishedAt: Date;
  verdict: Verdict | null;
  attack: string;
  auc: number;
  aucLow: number;
  aucHigh: number;
  advantage: number;
  /** null: not resolvable with this many non-members. */
  tprAt1Fpr: number | null;
  tprAt01Fpr: number | null;
  members: number;
  nonMembers: number;
  lira: boolean;
}

/** Per environment that runs the model: the decision that put the current version there, and its monitoring. */
export interface OperationsEvidence {
  environments: {
    environmentId: string;
    environment: string;
    version: number;
    kind: string;
    gatePassed: boolean;
    overrideReason: string | null;
    evidenceHash: string;
    at: Date;
    by: string;
    batches: number;
    lastBatchAt: Date | null;
    openAlerts: { id: string; signal: string; severity: string; summary: string; acknowledged: boolean }[];
  }[];
}

export interface AttestationEvidence {
  id: string;
  control: string;
  /** null: attests for the whole team. */
  modelId: string | null;
  statement: string;
  attestedByUserId: string | null;
  attestedByLabel: string;
  attestedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  files: { name: string; sha256: string }[];
}

export interface TeamEvidence {
  policyVersion: number | null;
  policyUpdatedAt: Date | null;
  auditChainIntact: boolean;
  auditEventCount: number;
}

export interface Evidence {
  now: Date;
  team: TeamEvidence;
  models: ModelEvidence[];
  attestations: AttestationEvidence[];
  /** Team members' e-mails/names per user id, to tell whether an attester is the model owner. */
  userIdentities?: Record<string, string[]>;
}

// ---- Status (output) ------------------------------------------------------------------------------

export type LinkType = "evaluation" | "model" | "dataset" | "policy" | "attestation" | "alert" | "schedule" | "audit" | "deployment" | "monitoring";
export interface EvidenceLink {
  type: LinkType;
  id: string;
  label: string;
  /** Path under /t/<team>/, e.g. "evaluations/<id>". */
  path: string;
  digest?: string;
  metric?: string;
  value?: number;
  threshold?: number;
  verdict?: Verdict | null;
}

export type Outcome = "pass" | "partial" | "fail" | "stale" | "missing";
export interface Finding {
  evidence: EvidenceKind;
  mark: Mark;
  scope: string | null;
  outcome: Outcome;
  reason: string;
  next: string | null;
  links: EvidenceLink[];
}

export interface ControlStatus {
  control: string;
  framework: FrameworkId;
  controlId: string;
  /** null only for the team-level subject used when the team has no models. */
  modelId: string | null;
  modelLabel: string;
  status: Status;
  /** The one-line reason, in plain words. */
  reason: string;
  /** Every reason that counted. */
  reasons: string[];
  next: string | null;
  findings: Finding[];
  attestation: { state: "valid" | "expired" | "revoked" | "owner" | "none"; needed: boolean; id: string | null; expiresAt: Date | null; by: string | null };
  catalogVersion: string;
  policyVersion: number | null;
  computedAt: Date;
}
