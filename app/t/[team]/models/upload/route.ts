import { handleRegistryUpload } from "@/app/_components/upload-handler";
import { isYes, registerModelVersion } from "@/lib/registry/models";

export const dynamic = "force-dynamic";

/** POST multipart: files (a .zip, or model.json + weight shards), card fields, name or modelId. */
export async function POST(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return handleRegistryUpload(req, team, "model.write", async (ctx, fields, files, staging) => {
    const r = await registerModelVersion(ctx, { modelId: fields.modelId || undefined, name: fields.name, description: fields.description, card: fields, files, confirmInputScale: isYes(fields.confirmInputScale) }, staging);
    return {
      ok: true,
      message: `Version ${r.version} registered.`,
      redirect: `/t/${team}/models/${r.modelId}?v=${r.version}`,
      warnings: r.warnings,
    };
  });
}
