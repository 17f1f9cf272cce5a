import { z } from "zod";
import { db } from "../db/client";
import type { TeamContext } from "../teams/access";
import { registerEndpointVersion, testEndpointConnection } from "../registry/endpoints";
import { addOutboundHost, listOutboundHosts, removeOutboundHost } from "../teams/outbound-hosts";
import { resolveDatasetVersion, resolveModelVersion, VersionRefSchema, type VersionRef } from "./refs";
import { getModelVersionApi } from "./views";

// REST API v1 for models served over HTTP and the team's outbound allowlist: thin adapters to the same
// lib functions the web pages call (lib/registry/endpoints.ts, lib/teams/outbound-hosts.ts), so the checks,
// the encryption of the credential and the audit records are the same. The credential is write-only.

export const ApiRegisterEndpointSchema = z.strictObject({
  description: z.string().max(2000).optional(),
  /** The model card (structured, as GET /models/{name}/versions/{version} shows it); preprocessing stays identity. */
  card: z.record(z.string(), z.unknown(), { error: "card is an object with the model card's fields" }),
  /** url, method, authKind, authHeader, authSecret, requestTemplate, responseMapping, batchSize, timeoutMs, requestsPerSecond, concurrency, maxRetries. */
  endpoint: z.record(z.string(), z.unknown(), { error: "endpoint is an object with url, requestTemplate, responseMapping, …" }),
  /** The registered version with weights this endpoint serves (name@version), if any: black-box results are checked against its white-box ones. */
  whiteBoxReference: VersionRefSchema.optional(),
});

export const ApiTestConnectionSchema = z.strictObject({
  dataset: VersionRefSchema,
  examples: z.number().int().min(1).max(64).default(8),
});

export const ApiAddOutboundHostSchema = z.strictObject({
  host: z.string().max(300),
  allowPrivate: z.boolean().default(false),
  /** The ports calls may use on this host (default [443]); checked by lib (PortList), which names the field. */
  ports: z.array(z.number()).max(100).optional(),
});

export async function registerEndpointApi(ctx: TeamContext, name: string, input: z.output<typeof ApiRegisterEndpointSchema>) {
  const model = await db.model.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, select: { id: true } });
  const reference = input.whiteBoxReference ? (await resolveModelVersion(ctx, input.whiteBoxReference)).version.id : undefined;
  const reg = await registerEndpointVersion(ctx, {
    ...(model ? { modelId: model.id } : { name, description: input.description }),
    card: input.card,
    endpoint: input.endpoint,
    whiteBoxReferenceVersionId: reference,
  });
  return getModelVersionApi(ctx, { name, version: reg.version });
}

export async function testConnectionApi(ctx: TeamContext, ref: VersionRef, input: z.output<typeof ApiTestConnectionSchema>) {
  const { version } = await resolveModelVersion(ctx, ref);
  const { version: dataset } = await resolveDatasetVersion(ctx, input.dataset);
  return testEndpointConnection(ctx, version.id, dataset.id, { examples: input.examples });
}

export async function listOutboundHostsApi(ctx: TeamContext) {
  return { hosts: await listOutboundHosts(ctx) };
}

export async function addOutboundHostApi(ctx: TeamContext, input: z.output<typeof ApiAddOutboundHostSchema>) {
  const row = await addOutboundHost(ctx, input);
  return { id: row.id, host: row.host, allowPrivate: row.allowPrivate, ports: row.ports, createdAt: row.createdAt };
}

export async function removeOutboundHostApi(ctx: TeamContext, id: string) {
  await removeOutboundHost(ctx, { id });
  return null;
}
