/** How often a worker writes its heartbeat row. */
export const HEARTBEAT_SECONDS = 5;
/**
 * How long after its last heartbeat a worker still counts as alive in /api/health. A worker on another
 * machine that crashes is only known to be gone when its beats stop, so this is also the longest time
 * health can overstate the workers: three missed beats (one late write under load is not a crash).
 */
export const WORKER_ALIVE_SECONDS = HEARTBEAT_SECONDS * 3;
