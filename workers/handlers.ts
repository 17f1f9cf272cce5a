import type { PgBoss } from "pg-boss";

export interface WorkerInfo {
  workerId: string;
  concurrency: number;
}

/** Registers every job handler this worker runs. Returns facts recorded in the heartbeat. */
export async function registerHandlers(_boss: PgBoss, _info: WorkerInfo): Promise<{ backend: string | null }> {
  return { backend: null };
}
