import { handleRegistryUpload } from "@/app/_components/upload-handler";
import { registerDatasetVersion } from "@/lib/registry/datasets";

export const dynamic = "force-dynamic";

/** POST multipart: files, format, labelColumn (CSV), classLabels (optional), card fields, name or datasetId. */
export async function POST(req: Request, { params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return handleRegistryUpload(req, team, "dataset.write", async (ctx, fields, files, staging) => {
    const r = await registerDatasetVersion(ctx, { datasetId: fields.datasetId || undefined, name: fields.name, fields, files }, staging);
    return {
      ok: true,
      message: `Version ${r.version} registered: ${r.sampleCount.toLocaleString("en")} samples.`,
      redirect: `/t/${team}/datasets/${r.datasetId}?v=${r.version}`,
      warnings: r.warnings,
    };
  });
}
