// For e2e/operations.spec.ts: the demo team's robustness policy back to the default (other journeys
// tighten it on purpose), so the robust demo model's gate passes whatever ran before; prints the demo
// model's id. Runs against the test server's database, like `npm run user`.
import { withDatabase } from "../../lib/db/embedded";
import { configureDatabaseUrl, db, disconnectDb } from "../../lib/db/client";
import { savePolicy } from "../../lib/compliance/policies";
import { ValidationError } from "../../lib/errors";
import { defaultPolicy } from "../../lib/compliance/policy";
import { stopQueue } from "../../lib/jobs/queue";

await withDatabase(async (url) => {
  configureDatabaseUrl(url);
  const team = await db.team.findUniqueOrThrow({ where: { slug: "demo" }, select: { id: true, slug: true, name: true } });
  const reviewer = await db.membership.findFirstOrThrow({ where: { teamId: team.id, role: "REVIEWER" }, include: { user: true } });
  const ctx = { team, role: "REVIEWER" as const, userId: reviewer.userId, actor: { userId: reviewer.userId, label: reviewer.user.email } };
  await savePolicy(ctx, defaultPolicy(), "Operations journey: back to the default policy").catch((e: unknown) => {
    if (!(e instanceof ValidationError && e.message.startsWith("Nothing changed"))) throw e;
  });
  const model = await db.model.findFirstOrThrow({ where: { teamId: team.id, name: "digits-cnn" }, select: { id: true } });
  console.log(JSON.stringify({ modelId: model.id }));
});
await stopQueue();
await disconnectDb();
