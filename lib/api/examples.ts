// Examples in the OpenAPI document for the operations a CI pipeline calls. Spectral checks each
// against its schema (lib/api/openapi-lint.test.ts), so they cannot drift from the responses.

const digest = "9f2c1e4b7a0d3c6e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";
const evidence = "4b7a0d3c6e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f709f2c1e";
const at = "2026-12-06T08:15:00.000Z";

const evaluation = {
  id: "cmevl0000000000000000001",
  number: 12,
  kind: "robustness",
  status: "completed",
  model: { id: "cmmdl0000000000000000001", name: "digits-cnn", version: 2, digest },
  dataset: { id: "cmdst0000000000000000001", name: "mnist-digits-eval", version: 1, digest: evidence },
  preset: "quick",
  samples: 200,
  seed: 1,
  progress: { fraction: 1, shardsDone: 4, shardCount: 4, etaSeconds: null },
  failureReason: null,
  cancelledBy: null,
  results: {
    cleanAccuracyWarning: null,
    cleanAccuracy: 0.985,
    worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.87, robust: 174 }],
    attacks: [{ attack: "pgd", norm: "linf", eps: 0.1, robustAccuracy: 0.88 }],
    reliability: { verdict: "reliable", label: "Evaluation checks passed", reasons: [] },
    replay: { replayed: 24, notReplayed: 0, notReproduced: [], survivors: [] },
  },
  integrity: null,
  privacy: null,
  threatModel: { kind: "white-box" },
  regressionAlerts: [],
  createdAt: at,
  finishedAt: "2026-12-06T08:16:40.000Z",
};

const report = {
  id: "cmrpt0000000000000000001", number: 3, label: "R-3", title: "Robustness evidence, December", status: "draft",
  scope: { models: ["cmmdl0000000000000000001"], frameworks: ["nist-ai-rmf"], period: { from: null, to: null } },
  createdBy: "api-token:ci (bwk_3f9a…)", createdById: "cmusr0000000000000000001", createdAt: at, generatedAt: "2026-12-06T08:15:20.000Z", failureReason: null,
  snapshotSha256: evidence, draftPdfSha256: digest, approvedPdfSha256: null, approvedBy: null, approvedAt: null,
  approvalComment: null, reviewer: null, changesRequested: null, revisionOfId: null,
};

export const EXAMPLES: Record<string, { request?: unknown; response?: unknown }> = {
  getMe: { response: { team: { id: "cmtm00000000000000000001", slug: "demo", name: "Demo team" }, role: "ENGINEER", token: "api-token:ci (bwk_3f9a…)", tokenId: "cmtok0000000000000000001", expiresAt: "2027-03-06T00:00:00.000Z" } },
  listModels: {
    response: {
      data: [{
        id: "cmmdl0000000000000000001", name: "digits-cnn", description: "Handwritten digit classifier",
        latestVersion: { id: "cmmv00000000000000000002", version: 2, format: "tfjs-layers", riskTier: "limited", owner: "ML platform", digest, bytes: 1334272, status: "active", createdAt: at, evaluatedAt: at },
        updatedAt: at,
      }],
      nextCursor: null,
    },
  },
  createEvaluation: {
    request: { model: "digits-cnn@2", dataset: "mnist-digits-eval@latest", preset: "quick", sampleCount: 200, seed: 1 },
    response: { ...evaluation, status: "queued", progress: { fraction: 0, shardsDone: 0, shardCount: 4, etaSeconds: null }, results: null, threatModel: null, finishedAt: null, warnings: [] },
  },
  getEvaluation: { response: evaluation },
  getGate: {
    response: {
      model: "digits-cnn@2", digest, tier: "limited", policyVersion: 3, evidenceHash: evidence, pass: true, evaluationNumber: 12,
      checks: [
        { id: "suite", label: "Required suite", outcome: "pass", detail: "Evaluation #12 ran the quick suite on 200 samples (needs 200)." },
        { id: "threshold:linf:0.1", label: "Robust accuracy under Linf 0.1", outcome: "pass", detail: "87.0% (needs 70.0%)." },
      ],
    },
  },
  createReport: { request: { models: ["digits-cnn"], frameworks: ["nist-ai-rmf"] }, response: { ...report, status: "queued", generatedAt: null, snapshotSha256: null, draftPdfSha256: null } },
  getReport: { response: report },
  verifyReport: {
    request: { sha256: digest },
    response: { sha256: digest, match: true, message: "This file is the draft of R-3, as recorded in the audit log.", report: { ...report, edition: "draft", recordedInAuditLog: true }, chain: { intact: true, count: 42, head: evidence } },
  },
  promoteDeployment: {
    request: { model: "digits-cnn@2", environment: "production", note: "Release 2026.12" },
  },
};
