import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getScheduleApi, listSchedulesApi } from "@/lib/api/views";
import { createSchedule } from "@/lib/evaluations/schedules";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.listSchedules, (ctx, { query }) => listSchedulesApi(ctx, query));

export const POST = endpoint(OPS.createSchedule, async (ctx, { body }) => getScheduleApi(ctx, (await createSchedule(ctx, body)).id));

// Methods this address does not take: 405 problem+json with Allow.
export const { PUT, PATCH, DELETE } = NOT_ALLOWED;
