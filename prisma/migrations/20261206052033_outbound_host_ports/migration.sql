-- AlterTable
ALTER TABLE "OutboundHost" ADD COLUMN     "ports" INTEGER[] DEFAULT ARRAY[443]::INTEGER[];

-- Entries made before ports existed opened every port. They keep the default ports of both schemes (an
-- entry does not say which) and every explicit port that a registered endpoint of the same team names on
-- that host, so registered endpoints keep working; every other port is closed.
UPDATE "OutboundHost" h SET "ports" = (
  SELECT array_agg(DISTINCT p ORDER BY p) FROM (
    SELECT 80 AS p
    UNION SELECT 443
    UNION SELECT (m[2])::int
      FROM "ModelEndpoint" e, LATERAL regexp_match(lower(e."url"), '^https?://(\[[^]]*\]|[^/:?#]*)(?::([0-9]{1,5}))?') AS m
      WHERE e."teamId" = h."teamId" AND m[2] IS NOT NULL
        AND (btrim(m[1], '[]') = h."host" OR (h."host" LIKE '*.%' AND m[1] LIKE '%' || substr(h."host", 2)))
  ) AS listed WHERE p BETWEEN 1 AND 65535
);
