import { endpoint, NOT_ALLOWED } from "@/app/_lib/api";
import { OPS } from "@/lib/api/operations";
import { acknowledgeAlert } from "@/lib/evaluations/webhook";
import { getAlertApi } from "@/lib/api/views";

export const dynamic = "force-dynamic";

export const POST = endpoint(OPS.acknowledgeAlert, async (ctx, { params, body }) => {
  await acknowledgeAlert(ctx, { alertId: params.id, note: body.note });
  return getAlertApi(ctx, params.id);
});

// Methods this address does not take: 405 problem+json with Allow.
export const { GET, PUT, PATCH, DELETE } = NOT_ALLOWED;
