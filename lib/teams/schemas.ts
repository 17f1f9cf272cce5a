import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "../auth/password";

export const RoleSchema = z.enum(["ADMIN", "REVIEWER", "ENGINEER", "VIEWER"], {
  error: "Choose a role: ADMIN, REVIEWER, ENGINEER or VIEWER",
});

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid e-mail address" }));

export const PasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { error: `Use at least ${MIN_PASSWORD_LENGTH} characters` })
  .max(256, { error: "Use at most 256 characters" });

export const TeamSlugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: "Use 1–40 lowercase letters, digits or hyphens (not at the start or end)",
  });

export const AddMemberSchema = z.object({
  email: EmailSchema,
  name: z.string().trim().min(1, { error: "Enter the person's name" }).max(120),
  role: RoleSchema,
  // Needed only when the person has no account yet; they sign in with it.
  password: z.union([z.literal(""), PasswordSchema]).optional(),
});

export const ChangeRoleSchema = z.object({ membershipId: z.string().min(1), role: RoleSchema });
export const RemoveMemberSchema = z.object({ membershipId: z.string().min(1) });

export const CreateUserSchema = z.object({
  email: EmailSchema,
  name: z.string().trim().min(1).max(120),
  password: PasswordSchema,
  teamSlug: TeamSlugSchema,
  teamName: z.string().trim().min(1).max(120).optional(),
  role: RoleSchema,
  instanceAdmin: z.boolean().optional(),
});

/** /admin: a new team and its first admin (an existing account is linked; a new one needs an initial password). */
export const CreateTeamSchema = z.object({
  slug: TeamSlugSchema,
  name: z.string().trim().min(1, { error: "Enter the team's name" }).max(120, { error: "Use at most 120 characters" }),
  adminEmail: EmailSchema,
  adminName: z.string().trim().min(1, { error: "Enter the person's name" }).max(120, { error: "Use at most 120 characters" }),
  adminPassword: z.union([z.literal(""), PasswordSchema]).optional(),
});
