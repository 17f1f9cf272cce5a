"use server";

import { z } from "zod";
import { formAction, recordFormAction } from "@/app/_lib/action";
import { createSchedule, deleteSchedule, ScheduleInputSchema, setSchedulePaused, updateSchedule } from "@/lib/evaluations/schedules";

const IdSchema = z.object({ scheduleId: z.string().min(1) });
const SCHEDULES = (team: string) => `/t/${team}/evaluations/schedules`;

export const createScheduleAction = formAction(SCHEDULES, "schedule.manage", ScheduleInputSchema, createSchedule, (_, input) => `Schedule "${input.name}" created.`);
export const pauseScheduleAction = formAction(SCHEDULES, "schedule.manage", IdSchema, (ctx, input) => setSchedulePaused(ctx, input.scheduleId, true), "Paused.");
export const resumeScheduleAction = formAction(SCHEDULES, "schedule.manage", IdSchema, (ctx, input) => setSchedulePaused(ctx, input.scheduleId, false), "Resumed.");
export const deleteScheduleAction = formAction(SCHEDULES, "schedule.manage", IdSchema, (ctx, input) => deleteSchedule(ctx, input.scheduleId), "Deleted.");
export const updateScheduleAction = recordFormAction(SCHEDULES, "schedule.manage", ScheduleInputSchema, (ctx, input, scheduleId) => updateSchedule(ctx, scheduleId, input), (_, input) => `Schedule "${input.name}" saved.`);
