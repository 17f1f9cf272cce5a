import type { LabelIssue } from "../integrity/confident-learning";
import type { DatasetScanReport } from "../integrity/dataset-scan";
import type { BackdoorScanResult } from "../integrity/model-scan";

// The stored shapes of an integrity evaluation (lib/evaluations/integrity.ts), apart so that the reading
// (integrity-reading.ts) and the evaluation kind can both use them without importing each other.

export interface IntegrityConfig {
  trainingDatasetVersionId: string;
  heldOutDatasetVersionId: string | null;
  folds: number;
  epochs: number;
  expectedPoisonFraction: number;
  /** Training examples scanned (a stratified subset when fewer than the dataset holds). */
  samples: number;
  datasetSamples: number;
  trainingFrom: "lineage" | "chosen";
  cost: { trainingPasses: number; perFold: number; forwardPasses: number; summary: string };
}

/** A small greyscale thumbnail: 8-bit values (0 = range min, 255 = max), base64; channels averaged. */
export interface Thumbnail { h: number; w: number; data: string }

/** What the results page, the API and the evidence read (Evaluation.metrics of an integrity evaluation). */
export interface IntegrityMetrics {
  kind: "integrity";
  samples: number;
  classLabels: string[];
  config: IntegrityConfig;
  datasetScan: DatasetScanReport;
  backdoor: BackdoorScanResult | null;
  backdoorSkipped: string | null;
  labelIssues: null | {
    method: string;
    folds: number;
    epochs: number;
    flaggedCount: number;
    flaggedShare: number;
    outOfSampleAccuracy: number;
    thresholds: number[];
    confidentJoint: number[][];
    perClass: { label: number; samples: number; flagged: number }[];
    /** The lowest self-confidence first, with dataset indices. */
    top: (LabelIssue & { datasetIndex: number })[];
  };
  thumbnails: Record<string, Thumbnail>;
  triggerThumbnails: Record<string, Thumbnail>;
  /** The small object E15 reads (copied into Evaluation.evidence by the database trigger). */
  evidence: {
    samples: number;
    datasetVersionId: string;
    suspectedMislabelShare: number | null;
    flaggedClasses: string[];
    liveBackdoors: string[];
    leakageGroups: number | null;
  };
  /** Plain-language reading for a compliance officer. */
  reading: string[];
}
