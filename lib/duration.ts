// Durations as people say them, for estimates and measured times alike: "45 s", "23 minutes", "2 h 5 min",
// "3 days 4 h". Seconds under 90 stay seconds; beyond that the precision a person plans with.

/** A duration in seconds in words (at least "1 s"); callers add "about" where it is an estimate. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "an unknown time";
  const s = Math.max(1, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} minutes`;
  if (minutes < 48 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const hours = Math.round(minutes / 60);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h ? `${d} days ${h} h` : `${d} days`;
}
