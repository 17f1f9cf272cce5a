import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { getScheduleApi } from "@/lib/api/views";
import { deleteSchedule, setSchedulePaused } from "@/lib/evaluations/schedules";

export const dynamic = "force-dynamic";

export const GET = endpoint(OPS.getSchedule, (ctx, { params }) => getScheduleApi(ctx, params.id));

export const PATCH = endpoint(OPS.updateSchedule, async (ctx, { params, body }) => {
  await setSchedulePaused(ctx, params.id, body.paused);
  return getScheduleApi(ctx, params.id);
});

export const DELETE = endpoint(OPS.deleteSchedule, (ctx, { params }) => deleteSchedule(ctx, params.id));

// Methods this address does not take: 405 problem+json with Allow.
export const { POST, PUT } = NOT_ALLOWED;
