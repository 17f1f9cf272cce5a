"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { createSchedule, deleteSchedule, ScheduleInputSchema, setSchedulePaused, updateSchedule } from "@/lib/evaluations/schedules";

const IdSchema = z.object({ scheduleId: z.string().min(1) });

export async function createScheduleAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "schedule.manage", ScheduleInputSchema, form, async (ctx, input) => {
    await createSchedule(ctx, input);
    return `Schedule "${input.name}" created.`;
  });
  revalidatePath(`/t/${team}/evaluations/schedules`);
  return res;
}

export async function toggleScheduleAction(team: string, paused: boolean, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "schedule.manage", IdSchema, form, async (ctx, input) => {
    await setSchedulePaused(ctx, input.scheduleId, paused);
    return paused ? "Paused." : "Resumed.";
  });
  revalidatePath(`/t/${team}/evaluations/schedules`);
  return res;
}

export async function deleteScheduleAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "schedule.manage", IdSchema, form, async (ctx, input) => {
    await deleteSchedule(ctx, input.scheduleId);
    return "Deleted.";
  });
  revalidatePath(`/t/${team}/evaluations/schedules`);
  return res;
}

export async function updateScheduleAction(team: string, scheduleId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "schedule.manage", ScheduleInputSchema, form, async (ctx, input) => {
    await updateSchedule(ctx, scheduleId, input);
    return `Schedule "${input.name}" saved.`;
  }, [scheduleId]);
  revalidatePath(`/t/${team}/evaluations/schedules`);
  return res;
}
