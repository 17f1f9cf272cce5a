"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { registerEndpointVersion, testEndpointConnection } from "@/lib/registry/endpoints";
import { AppError } from "@/lib/errors";

// Form fields arrive as strings; lib's schemas validate them and name the field (card paths, "endpoint.<name>").
const Fields = z.record(z.string(), z.string().max(20_000));
const ENDPOINT_FIELDS = ["url", "method", "authKind", "authHeader", "authSecret", "requestTemplate", "batchSize", "timeoutMs", "requestsPerSecond", "concurrency", "maxRetries"];

export async function registerEndpointAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  let target: string | null = null;
  const res = await teamAction(team, "model.write", Fields, form, async (ctx, f) => {
    const endpoint: Record<string, unknown> = Object.fromEntries(ENDPOINT_FIELDS.map((k) => [k, f[`endpoint.${k}`]]));
    endpoint.responseMapping = { kind: f["endpoint.responseKind"], path: f["endpoint.responsePath"] ?? "" };
    const reg = await registerEndpointVersion(ctx, {
      modelId: f.modelId || undefined,
      name: f.name,
      description: f.description,
      card: f,
      endpoint,
      whiteBoxReferenceVersionId: f.whiteBoxReferenceVersionId || undefined,
    });
    target = `/t/${team}/models/${reg.modelId}?v=${reg.version}`;
    return `Registered version ${reg.version}. Test the connection next.`;
  });
  if (res?.ok && target) {
    revalidatePath(`/t/${team}/models`);
    redirect(target);
  }
  return res;
}

const TestForm = z.object({ versionId: z.string().min(1).max(40), datasetVersionId: z.string().min(1, { error: "Choose a dataset version" }).max(40) });

export async function testConnectionAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return teamAction(team, "model.write", TestForm, form, async (ctx, input) => {
    const r = await testEndpointConnection(ctx, input.versionId, input.datasetVersionId);
    if (!r.ok) throw new ConnectionFailed(`Test failed: ${r.error}`);
    return `Connected: ${r.answered} of ${r.examples} answers are declared classes (${r.outputKind === "label" ? "labels" : "class scores"}); ${r.agreeing} agree with the dataset's labels. ${r.stats.requests} request${r.stats.requests === 1 ? "" : "s"}, ${r.stats.retries} retried, about ${r.msPerRequest} ms each.`;
  });
}

// Shown as the form's message (AppError subclasses are passed through by teamAction).
class ConnectionFailed extends AppError {
  constructor(message: string) {
    super(message, 502, "endpoint_failed");
  }
}
