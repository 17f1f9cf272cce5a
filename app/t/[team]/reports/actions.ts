"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { toAppError } from "@/lib/errors";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { teamAccess } from "@/app/_lib/team";
import { ApproveReportSchema, CreateReportFormSchema, approveReport, createReport, verifyPdf, type Verification } from "@/lib/reports";
import { RequestChangesSchema, RequestReviewSchema, ReviseReportSchema } from "@/lib/reports/schemas";
import { requestChanges, requestReview, reviseReport } from "@/lib/reports/review";

export async function createReportAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "report.create", CreateReportFormSchema, form, async (ctx, input) => {
    const r = await createReport(ctx, input);
    return `Report R-${r.number} is being generated.`;
  });
  revalidatePath(`/t/${team}/reports`);
  return res;
}

export async function approveReportAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "report.approve", ApproveReportSchema, form, async (ctx, input) => {
    const r = await approveReport(ctx, input);
    return `${r.label} approved. The approved edition's SHA-256 is ${r.approvedPdfSha256}.`;
  });
  revalidatePath(`/t/${team}/reports`);
  return res;
}

export async function requestChangesAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "report.approve", RequestChangesSchema, form, async (ctx, input) => {
    const r = await requestChanges(ctx, input);
    return `${r.label} was sent back to ${r.createdBy} with your reason.`;
  });
  revalidatePath(`/t/${team}/reports`);
  return res;
}

export async function requestReviewAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "report.create", RequestReviewSchema, form, async (ctx, input) => {
    const r = await requestReview(ctx, input);
    return `${r.reviewer?.label ?? "The reviewer"} was asked to review ${r.label}.`;
  });
  revalidatePath(`/t/${team}/reports`);
  return res;
}

/** Revise a report that was sent back: on success, go to the new report. */
export async function reviseReportAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  let created: string | null = null;
  const res = await teamAction(team, "report.create", ReviseReportSchema, form, async (ctx, input) => {
    const r = await reviseReport(ctx, input);
    created = r.id;
    return `Report R-${r.number} is being generated.`;
  });
  revalidatePath(`/t/${team}/reports`);
  // Outside teamAction: redirect() works by throwing, which its error handling would take for a failure.
  if (res?.ok && created) redirect(`/t/${encodeURIComponent(team)}/reports/${created}`);
  return res;
}

export type VerifyState = { ok: boolean; message?: string; result?: Verification; values?: Record<string, string> } | null;

/** Verify a PDF (upload) or a pasted SHA-256 against the team's recorded reports. */
export async function verifyAction(team: string, _prev: VerifyState, form: FormData): Promise<VerifyState> {
  const file = form.get("file");
  // Any pasted text goes to verifyPdf, which refuses what is not a SHA-256 with a message (a parse that
  // threw here, before the try, turned a long paste into an internal error: found by lib/api/fuzz-forms.test.ts).
  const pasted = form.get("sha256");
  const sha256 = typeof pasted === "string" ? pasted.trim() : "";
  try {
    const access = await teamAccess(team);
    if (!access.ok) return { ok: false, message: access.message };
    const { ctx } = access;
    if (file && typeof file !== "string" && file.size > 0) {
      return { ok: true, result: await verifyPdf(ctx, { bytes: new Uint8Array(await file.arrayBuffer()) }) };
    }
    if (sha256) return { ok: true, result: await verifyPdf(ctx, { sha256 }) };
    return { ok: false, message: "Choose a PDF file or paste a SHA-256." };
  } catch (e) {
    // The pasted hash comes back so the form keeps it (a file cannot be put back into a file input).
    const known = toAppError(e);
    if (known) return { ok: false, message: known.fieldErrors ? `${known.message} ${Object.values(known.fieldErrors).join(" ")}` : known.message, values: { sha256: typeof pasted === "string" ? pasted : "" } };
    console.error(e);
    return { ok: false, message: "Something went wrong on our side. Try again." };
  }
}
