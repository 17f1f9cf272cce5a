import { handleVersionFileDownload } from "@/app/_components/download-handler";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ team: string }> }) {
  return handleVersionFileDownload(req, (await params).team, "dataset");
}
