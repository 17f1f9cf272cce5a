// npm run user -- create --email a@b.c --team acme --role ADMIN [--name "Ada"] [--password …]
// Creates a user in a team (the team too, if new) without the demo. Prompts for the password if omitted.
import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";
import { withDatabase } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/schema-engine";
import { configureDatabaseUrl, disconnectDb } from "../lib/db/client";
import { CreateUserSchema } from "../lib/teams/schemas";
import { createUserInTeam } from "../lib/teams/members";
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
  },
});

if (positionals[0] !== "create") {
  console.error('Usage: npm run user -- create --email you@example.com --team my-team --role ADMIN|REVIEWER|ENGINEER|VIEWER [--name "Your Name"] [--password …]');
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
});
if (!parsed.success) {
  for (const i of parsed.error.issues) console.error(`--${String(i.path[0]).replace("teamSlug", "team")}: ${i.message}`);
  process.exit(2);
}

await withDatabase(async (url) => {
  configureDatabaseUrl(url);
  await applyMigrations(url);
  try {
    const { user, team } = await createUserInTeam(parsed.data);
    console.log(`Created ${user.email} as ${parsed.data.role} of team "${team.slug}".`);
  } catch (e) {
    if (e instanceof AppError) {
      console.error(e.message);
      process.exitCode = 1;
    } else throw e;
  } finally {
    await disconnectDb();
  }
});
