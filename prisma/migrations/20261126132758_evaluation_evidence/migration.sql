-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "evidence" JSONB;

-- The compliance status engine reads four small parts of every completed evaluation's JSON columns
-- (issue 10): which attacks ran, samples, clean accuracy, worst case, verdict and reasons, and the
-- engine backend. Reading them from the full columns de-TOASTs tens of kilobytes per row on every
-- dashboard and controls page; a trigger keeps this compact copy, so every writer (worker, seed,
-- benchmark, restore) fills it and it cannot drift from the columns it summarises.
CREATE FUNCTION "bulwark_evaluation_evidence"(suite jsonb, metrics jsonb, reliability jsonb, provenance jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'suite', jsonb_build_object('attacks', suite->'attacks'),
    'metrics', jsonb_build_object(
      'samples', metrics->'samples', 'cleanAccuracy', metrics->'cleanAccuracy', 'worstCase', metrics->'worstCase',
      'attacks', (SELECT jsonb_agg(jsonb_build_object('attack', a->'attack', 'family', a->'family', 'norm', a->'norm') ORDER BY i)
                  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(metrics->'attacks') = 'array' THEN metrics->'attacks' ELSE '[]'::jsonb END) WITH ORDINALITY AS t(a, i))),
    'reliability', jsonb_build_object('verdict', reliability->'verdict', 'reasons', reliability->'reasons'),
    'provenance', jsonb_build_object('engine', jsonb_build_object('backend', provenance->'engine'->'backend'), 'backends', provenance->'backends'))
$$;

CREATE FUNCTION "bulwark_evaluation_evidence_trigger"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."evidence" := CASE WHEN NEW."metrics" IS NULL THEN NULL
    ELSE "bulwark_evaluation_evidence"(NEW."suite", NEW."metrics", NEW."reliability", NEW."provenance") END;
  RETURN NEW;
END
$$;

CREATE TRIGGER "Evaluation_evidence"
  BEFORE INSERT OR UPDATE OF "suite", "metrics", "reliability", "provenance", "evidence" ON "Evaluation"
  FOR EACH ROW EXECUTE FUNCTION "bulwark_evaluation_evidence_trigger"();

-- Backfill the evaluations recorded before this migration.
UPDATE "Evaluation" SET "evidence" = "bulwark_evaluation_evidence"("suite", "metrics", "reliability", "provenance") WHERE "metrics" IS NOT NULL;
