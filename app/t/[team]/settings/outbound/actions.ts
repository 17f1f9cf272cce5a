"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { addOutboundHost, RemoveOutboundHostSchema, removeOutboundHost } from "@/lib/teams/outbound-hosts";

// A form checkbox sends "on" or nothing; lib validates the host itself (and names the field).
const AddForm = z.object({ host: z.string().max(300), ports: z.string().max(200).default(""), allowPrivate: z.string().optional() });

export async function addOutboundHostAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "team.settings", AddForm, form, async (ctx, input) => {
    const row = await addOutboundHost(ctx, { host: input.host, ports: input.ports, allowPrivate: input.allowPrivate === "on" });
    return `${row.host} added, port${row.ports.length > 1 ? "s" : ""} ${row.ports.join(", ")}${row.allowPrivate ? " (private addresses allowed for this host)" : ""}.`;
  });
  revalidatePath(`/t/${team}/settings/outbound`);
  return res;
}

export async function removeOutboundHostAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "team.settings", RemoveOutboundHostSchema, form, async (ctx, input) => {
    await removeOutboundHost(ctx, input);
    return "Removed.";
  });
  revalidatePath(`/t/${team}/settings/outbound`);
  return res;
}
