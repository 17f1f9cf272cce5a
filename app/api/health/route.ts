import { checkHealth, HEALTH_RETRY_AFTER_SECONDS } from "@/lib/health";

export const dynamic = "force-dynamic";

export async function GET() {
  const health = await checkHealth();
  if (health.status === "down") return Response.json(health, { status: 503, headers: { "retry-after": String(HEALTH_RETRY_AFTER_SECONDS), "cache-control": "no-store" } });
  return Response.json(health, { status: 200, headers: { "cache-control": "no-store" } });
}
