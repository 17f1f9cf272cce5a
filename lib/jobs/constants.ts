export const HEARTBEAT_SECONDS = 10;
