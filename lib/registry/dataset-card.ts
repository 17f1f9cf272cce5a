import { z } from "zod";
import { parseList } from "./model-card";

// The dataset card: provenance, licence and personal-data facts that the compliance controls on
// data read later. Class labels and counts are measured on upload, not typed in.

/** Common SPDX licence identifiers (https://spdx.org/licenses/); others may be given as LicenseRef-…. */
export const SPDX_LICENCES = [
  "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0",
  "CC0-1.0", "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0",
  "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "GPL-2.0-only", "GPL-3.0-only", "LGPL-3.0-only", "MPL-2.0", "Unlicense",
  "OGL-UK-3.0", "DL-DE-BY-2.0", "etalab-2.0",
] as const;

export const PERSONAL_DATA = ["yes", "no", "unknown"] as const;
export const SPLITS = ["train", "validation", "test"] as const;
export const SPLIT_DB = { train: "TRAIN", validation: "VALIDATION", test: "TEST" } as const;
export const DATASET_FORMATS = ["image-zip", "idx", "csv"] as const;
export type DatasetFormatValue = (typeof DATASET_FORMATS)[number];
export const FORMAT_DB = { "image-zip": "IMAGE_ZIP", idx: "IDX", csv: "CSV" } as const;
export const FORMAT_LABELS: Record<string, string> = { IMAGE_ZIP: "Images (zip of class folders)", IDX: "IDX (MNIST format)", CSV: "CSV (tabular)" };

const text = (max: number) => z.string().trim().max(max, { error: `at most ${max} characters` });
const required = (what: string, max = 2000) => text(max).min(1, { error: `${what} is required` });

export const LicenceSchema = z
  .string()
  .trim()
  .min(1, { error: "Give the SPDX licence identifier, or \"unknown\"" })
  .refine((v) => v === "unknown" || (SPDX_LICENCES as readonly string[]).includes(v) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(v), {
    error: `Use an SPDX identifier (e.g. CC-BY-4.0, CC-BY-SA-3.0, CC0-1.0, MIT), LicenseRef-<name> for a custom licence, or "unknown"`,
  });

export const DatasetCardSchema = z
  .object({
    description: required("A description"),
    source: required("The source (where the data came from)", 1000),
    collectedBy: required("Who collected the data", 500),
    collectedWhen: required("When it was collected", 200),
    licence: LicenceSchema,
    personalData: z.enum(PERSONAL_DATA, { error: "say whether the data contains personal data (yes, no or unknown)" }),
    legalBasis: text(2000).default(""),
    split: z.enum(SPLITS, { error: "choose the split (train, validation or test)" }),
    knownIssues: text(4000).default(""),
  })
  .superRefine((c, ctx) => {
    if (c.personalData === "yes" && c.legalBasis.length < 10) {
      ctx.addIssue({ code: "custom", path: ["legalBasis"], message: "The data contains personal data: note the legal basis for processing it (e.g. GDPR Art. 6(1)(f), consent records)" });
    }
  });
export type DatasetCard = z.infer<typeof DatasetCardSchema>;

export function datasetCardFromFields(f: Record<string, unknown>) {
  return {
    description: f.description,
    source: f.source,
    collectedBy: f.collectedBy,
    collectedWhen: f.collectedWhen,
    licence: f.licence,
    personalData: f.personalData,
    legalBasis: f.legalBasis ?? "",
    split: f.split,
    knownIssues: f.knownIssues ?? "",
  };
}

/** Upload options that are not part of the card. */
export const DatasetUploadOptionsSchema = z.object({
  format: z.enum(DATASET_FORMATS, { error: "choose the format" }),
  labelColumn: z.string().trim().max(200).optional().transform((v) => v || undefined),
  classLabels: z.preprocess((v) => (v === undefined || v === "" ? undefined : parseList(v)), z.array(z.string().trim().min(1).max(100)).max(10_000).optional()),
});
export type DatasetUploadOptions = z.infer<typeof DatasetUploadOptionsSchema>;

export interface DatasetRisk {
  level: "high" | "medium";
  message: string;
}

/** Facts on the card that compliance should look at. */
export function datasetRisks(card: DatasetCard): DatasetRisk[] {
  const out: DatasetRisk[] = [];
  if (card.licence === "unknown") out.push({ level: "high", message: "Licence unknown: the right to use this data for evaluation is not established." });
  if (/-NC-|-NC$/.test(card.licence)) out.push({ level: "medium", message: `Licence ${card.licence} forbids commercial use.` });
  if (card.personalData === "yes") out.push({ level: "medium", message: "Contains personal data: processing needs the legal basis noted on the card." });
  if (card.personalData === "unknown") out.push({ level: "high", message: "Unknown whether the data contains personal data." });
  return out;
}

export function datasetCardToFields(card: Partial<DatasetCard>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(card)) if (typeof v === "string") out[k] = v;
  return out;
}
