import { defineConfig } from "prisma/config";

// Only the Prisma CLI reads this file. The app connects through lib/db with lib/env's URL.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
