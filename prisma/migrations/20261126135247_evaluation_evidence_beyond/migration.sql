-- Issue 15: the compact evidence copy also keeps the calibration, OOD and corruption figures the status
-- engine checks against the policy (E13, E14): a handful of numbers, not the bins, rows or gallery.
CREATE OR REPLACE FUNCTION "bulwark_evaluation_evidence"(suite jsonb, metrics jsonb, reliability jsonb, provenance jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'suite', jsonb_build_object('attacks', suite->'attacks'),
    'metrics', jsonb_build_object(
      'samples', metrics->'samples', 'cleanAccuracy', metrics->'cleanAccuracy', 'worstCase', metrics->'worstCase',
      'attacks', (SELECT jsonb_agg(jsonb_build_object('attack', a->'attack', 'family', a->'family', 'norm', a->'norm') ORDER BY i)
                  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(metrics->'attacks') = 'array' THEN metrics->'attacks' ELSE '[]'::jsonb END) WITH ORDINALITY AS t(a, i)),
      'beyond', jsonb_build_object(
        'ece', metrics->'calibration'->'clean'->'ece',
        'eceUnderAttackMax', (SELECT max((u->>'ece')::float8) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(metrics->'calibration'->'underAttack') = 'array' THEN metrics->'calibration'->'underAttack' ELSE '[]'::jsonb END) AS t(u)),
        'oodAuroc', (SELECT s->'auroc' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(metrics->'ood'->'scores') = 'array' THEN metrics->'ood'->'scores' ELSE '[]'::jsonb END) AS t(s) WHERE s->>'score' = 'msp' LIMIT 1),
        'oodHighConfidenceShare', metrics->'ood'->'highConfidenceShare',
        'corruptionAccuracy', metrics->'corruptions'->'meanAccuracy',
        'corruptionMCE', metrics->'corruptions'->'mCE')),
    'reliability', jsonb_build_object('verdict', reliability->'verdict', 'reasons', reliability->'reasons'),
    'provenance', jsonb_build_object('engine', jsonb_build_object('backend', provenance->'engine'->'backend'), 'backends', provenance->'backends'))
$$;

-- Recompute the copies made by the previous version of the function.
UPDATE "Evaluation" SET "evidence" = "bulwark_evaluation_evidence"("suite", "metrics", "reliability", "provenance") WHERE "metrics" IS NOT NULL;
