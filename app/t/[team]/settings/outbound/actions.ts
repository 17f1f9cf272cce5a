"use server";

import { z } from "zod";
import { formAction } from "@/app/_lib/action";
import { addOutboundHost, RemoveOutboundHostSchema, removeOutboundHost } from "@/lib/teams/outbound-hosts";

// A form checkbox sends "on" or nothing; lib validates the host itself (and names the field).
const AddForm = z.object({ host: z.string().max(300), ports: z.string().max(200).default(""), allowPrivate: z.string().optional() });
const OUTBOUND = (team: string) => `/t/${team}/settings/outbound`;

export const addOutboundHostAction = formAction(
  OUTBOUND,
  "team.settings",
  AddForm,
  (ctx, input) => addOutboundHost(ctx, { host: input.host, ports: input.ports, allowPrivate: input.allowPrivate === "on" }),
  (row) => `${row.host} added, port${row.ports.length > 1 ? "s" : ""} ${row.ports.join(", ")}${row.allowPrivate ? " (private addresses allowed for this host)" : ""}.`,
);
export const removeOutboundHostAction = formAction(OUTBOUND, "team.settings", RemoveOutboundHostSchema, removeOutboundHost, "Removed.");
