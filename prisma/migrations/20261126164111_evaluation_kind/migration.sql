-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'robustness';

-- CreateIndex
CREATE INDEX "Evaluation_teamId_kind_number_idx" ON "Evaluation"("teamId", "kind", "number");

-- Evaluation kinds (lib/evaluations/kinds.ts): the compact evidence copy depends on the kind. Robustness
-- keeps exactly the previous copy (function bulwark_evaluation_evidence) plus its kind; every other kind
-- writes its own small evidence object into metrics->'evidence' at aggregation, and the copy carries only
-- that, so a privacy or integrity evaluation can never be read as attack evidence (E1/E2).
CREATE FUNCTION "bulwark_evaluation_evidence_of"(kind text, suite jsonb, metrics jsonb, reliability jsonb, provenance jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN metrics IS NULL THEN NULL
    WHEN kind = 'robustness' THEN "bulwark_evaluation_evidence"(suite, metrics, reliability, provenance) || jsonb_build_object('kind', 'robustness')
    ELSE jsonb_build_object('kind', kind, 'metrics', jsonb_build_object('evidence', metrics->'evidence'),
      'reliability', jsonb_build_object('verdict', reliability->'verdict', 'reasons', reliability->'reasons'))
  END
$$;

CREATE OR REPLACE FUNCTION "bulwark_evaluation_evidence_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."evidence" := "bulwark_evaluation_evidence_of"(NEW."kind", NEW."suite", NEW."metrics", NEW."reliability", NEW."provenance");
  RETURN NEW;
END
$$;

DROP TRIGGER "Evaluation_evidence" ON "Evaluation";
CREATE TRIGGER "Evaluation_evidence"
  BEFORE INSERT OR UPDATE OF "kind", "suite", "metrics", "reliability", "provenance", "evidence" ON "Evaluation"
  FOR EACH ROW EXECUTE FUNCTION "bulwark_evaluation_evidence_trigger"();

UPDATE "Evaluation" SET "evidence" = "bulwark_evaluation_evidence_of"("kind", "suite", "metrics", "reliability", "provenance") WHERE "metrics" IS NOT NULL;
