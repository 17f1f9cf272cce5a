// For e2e/isolation.spec.ts: makes sure the demo team has one record of every kind a page or route
// names (schedule, report, attestation file), then prints their ids as JSON. Runs against the test
// server's database, like `npm run user`.
import { withDatabase } from "../../lib/db/embedded";
import { configureDatabaseUrl, db, disconnectDb } from "../../lib/db/client";
import { createSchedule, ScheduleInputSchema } from "../../lib/evaluations/schedules";
import { createReport } from "../../lib/reports";
import { createAttestation } from "../../lib/compliance/attestations";
import { stopQueue } from "../../lib/jobs/queue";
import { createEnvironment } from "../../lib/operations/deployments";
import type { TeamContext } from "../../lib/teams/access";
import { DEMO_DATASETS, DEMO_MODEL_NAME } from "../../lib/seed/registry";

const slug = process.argv[2] ?? "demo";
// Audit events of the demo team made by these people (the outsider and the viewer of the test).
const actors = process.argv.slice(3);

await withDatabase(async (url) => {
  configureDatabaseUrl(url);
  const team = await db.team.findUniqueOrThrow({ where: { slug }, select: { id: true, slug: true, name: true } });
  const admin = await db.membership.findFirstOrThrow({ where: { teamId: team.id, role: "ADMIN" }, include: { user: true } });
  const ctx: TeamContext = { team, role: "ADMIN", userId: admin.userId, actor: { userId: admin.userId, label: admin.user.email } };
  // The seeded model and evaluation dataset, not the first by name: other journeys add models and datasets to
  // the demo team meanwhile, and the explorer's example route needs a dataset the model can read.
  const model = await db.model.findFirstOrThrow({ where: { teamId: team.id, name: DEMO_MODEL_NAME } });
  const dataset = await db.dataset.findFirstOrThrow({ where: { teamId: team.id, name: DEMO_DATASETS.eval } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.id, datasetId: dataset.id }, orderBy: { version: "asc" } });
  const evaluation = await db.evaluation.findFirstOrThrow({ where: { teamId: team.id }, orderBy: { number: "asc" } });
  // The seeded integrity scan: its suspected examples are read by kind-specific routes.
  const scan = await db.evaluation.findFirstOrThrow({ where: { teamId: team.id, kind: "integrity" }, orderBy: { number: "asc" } });
  const schedule = (await db.schedule.findFirst({ where: { teamId: team.id } })) ?? (await createSchedule(ctx, ScheduleInputSchema.parse({ name: "isolation fixture", modelId: model.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 10, cron: "weekly" })));
  const report = (await db.report.findFirst({ where: { teamId: team.id } })) ?? (await createReport(ctx, { frameworks: ["nist-ai-rmf"] }));
  let file = await db.attestationFile.findFirst({ where: { teamId: team.id } });
  if (!file) {
    const expiresOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await createAttestation(ctx, { control: "nist-ai-rmf:GOVERN 1.3", statement: "Isolation fixture: the risk management activities were reviewed.", expiresOn }, [{ name: "evidence.html", contentType: "text/html", bytes: new TextEncoder().encode("<script>alert(1)</script>") }]);
    file = await db.attestationFile.findFirstOrThrow({ where: { teamId: team.id } });
  }
  const environment = (await db.environment.findFirst({ where: { teamId: team.id }, orderBy: { createdAt: "asc" } })) ?? (await createEnvironment(ctx, { name: "isolation-fixture", description: "" }));
  const version = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.id, modelId: model.id }, orderBy: { version: "asc" } });
  const mv = await db.modelVersionFile.findFirstOrThrow({ where: { teamId: team.id, modelVersionId: version.id }, orderBy: { path: "asc" } });
  const dvf = await db.datasetVersionFile.findFirstOrThrow({ where: { teamId: team.id, datasetVersionId: dv.id }, orderBy: { path: "asc" } });
  const events = await db.auditEvent.groupBy({ by: ["action"], where: { teamId: team.id, actorLabel: { in: actors } }, _count: true });
  const auditEvents = Object.fromEntries(events.map((e) => [e.action, e._count]));
  console.log(JSON.stringify({ team: team.slug, modelId: model.id, datasetId: dataset.id, number: evaluation.number, integrityNumber: scan.number, scheduleId: schedule.id, reportId: report.id, fileId: file.id, envId: environment.id, modelFile: { version: mv.modelVersionId, path: mv.path }, datasetFile: { version: dvf.datasetVersionId, path: dvf.path }, auditEvents }));
});
await stopQueue();
await disconnectDb();
