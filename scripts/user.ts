// npm run user -- create --email a@b.c --team acme --role ADMIN [--name "Ada"] [--password …] [--instance-admin]
// Creates a user in a team (the team too, if new) without the demo. Prompts for the password if omitted.
// --instance-admin lets the user create teams in the UI (/admin).
// npm run user -- instance-admin --email a@b.c [--revoke]: grants or takes away instance administration.
import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";
import { withDatabase } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/schema-engine";
import { configureDatabaseUrl, disconnectDb } from "../lib/db/client";
import { CreateUserSchema, EmailSchema } from "../lib/teams/schemas";
import { createUserInTeam } from "../lib/teams/members";
import { setInstanceAdmin } from "../lib/teams/instance";
import { AppError } from "../lib/errors";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    email: { type: "string" },
    team: { type: "string" },
    "team-name": { type: "string" },
    role: { type: "string", default: "ADMIN" },
    name: { type: "string" },
    password: { type: "string" },
    "instance-admin": { type: "boolean", default: false },
    revoke: { type: "boolean", default: false },
  },
});

/** Runs one change against the instance's database (migrated first); a refusal is printed with exit code 1. */
async function onDatabase(run: () => Promise<void>) {
  await withDatabase(async (url) => {
    configureDatabaseUrl(url);
    await applyMigrations(url);
    try {
      await run();
    } catch (e) {
      if (e instanceof AppError) {
        console.error(e.message);
        process.exitCode = 1;
      } else throw e;
    } finally {
      await disconnectDb();
    }
  });
}

const USAGE = `Usage: npm run user -- create --email you@example.com --team my-team --role ADMIN|REVIEWER|ENGINEER|VIEWER [--name "Your Name"] [--password …] [--instance-admin]
       npm run user -- instance-admin --email you@example.com [--revoke]`;

if (positionals[0] === "instance-admin") {
  const email = EmailSchema.safeParse(values.email);
  if (!email.success) {
    console.error(`--email: ${email.error.issues[0]?.message}\n${USAGE}`);
    process.exit(2);
  }
  await onDatabase(async () => {
    await setInstanceAdmin(email.data, !values.revoke);
    console.log(values.revoke ? `${email.data} is no longer an instance administrator.` : `${email.data} is now an instance administrator (creates teams at /admin).`);
  });
  process.exit();
}

if (positionals[0] !== "create") {
  console.error(USAGE);
  process.exit(2);
}

let password = values.password;
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  password = await rl.question("Password (at least 12 characters): ");
  rl.close();
}

const parsed = CreateUserSchema.safeParse({
  email: values.email,
  name: values.name ?? values.email?.split("@")[0],
  password,
  teamSlug: values.team,
  teamName: values["team-name"],
  role: values.role?.toUpperCase(),
  instanceAdmin: values["instance-admin"],
});
if (!parsed.success) {
  for (const i of parsed.error.issues) console.error(`--${String(i.path[0]).replace("teamSlug", "team")}: ${i.message}`);
  process.exit(2);
}

await onDatabase(async () => {
  const { user, team } = await createUserInTeam(parsed.data);
  console.log(`Created ${user.email} as ${parsed.data.role} of team "${team.slug}"${user.instanceAdmin ? ", instance administrator" : ""}.`);
});
