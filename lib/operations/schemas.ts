import { z } from "zod";

// Input schemas of lib/operations, shared by the web forms, REST API v1 and the CLI's requests.

export const EnvironmentNameSchema = z
  .string({ error: "Name the environment, e.g. production" })
  .trim()
  .min(2, { error: "At least 2 characters" })
  .max(40, { error: "At most 40 characters" })
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "Lower-case letters, digits and dashes, e.g. staging" });

export const CreateEnvironmentSchema = z.object({
  name: EnvironmentNameSchema,
  description: z.string().trim().max(500, { error: "At most 500 characters" }).default(""),
});

const Note = z.string().trim().max(2000, { error: "At most 2,000 characters" }).default("");

export const PromoteSchema = z.object({
  environment: EnvironmentNameSchema,
  modelVersionId: z.string({ error: "Choose a model version" }).trim().min(1, { error: "Choose a model version" }).max(40),
  note: Note,
});

/** Longest an override may last: it is an exception, to be replaced by passing evidence. */
export const MAX_OVERRIDE_DAYS = 90;

export const OverrideSchema = z.object({
  environment: EnvironmentNameSchema,
  modelVersionId: z.string({ error: "Choose a model version" }).trim().min(1, { error: "Choose a model version" }).max(40),
  reason: z.string({ error: "Say why the failing gate may be overridden" }).trim().min(10, { error: "Say why the failing gate may be overridden (at least 10 characters)" }).max(2000),
  expiresInDays: z.coerce.number({ error: "Enter a number of days" }).int({ error: "Whole days" }).min(1, { error: "At least 1 day" }).max(MAX_OVERRIDE_DAYS, { error: `At most ${MAX_OVERRIDE_DAYS} days` }),
});

export const RollbackSchema = z.object({
  environment: EnvironmentNameSchema,
  modelId: z.string({ error: "Choose a model" }).trim().min(1, { error: "Choose a model" }).max(40),
  note: Note,
});
