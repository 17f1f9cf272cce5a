// Addresses whose path resolves elsewhere than it reads: a "." or ".." segment, also percent-encoded
// (%2e), is resolved by URL parsing before routing, so /api/v1/models/%2e%2e/versions would reach
// /api/v1/versions and /t/demo/models/%2e%2e would be redirected to /t/demo. Such an address names
// nothing in Bulwark (no name or id is "." or ".."), so it is answered as not found before routing.

/** The first "." or ".." segment of a request target's path, as written (e.g. "%2E%2e"), or null. */
export function dotSegmentIn(target: string): string | null {
  const path = target.split(/[?#]/, 1)[0] ?? "";
  for (const segment of path.split("/")) {
    // Only the dot's own encoding matters here: %2e is what URL parsers treat as "." in a path.
    const dots = segment.replace(/%2e/gi, ".");
    if (dots === "." || dots === "..") return segment;
  }
  return null;
}

/** The exit code of the web server when another program holds its port: the supervisor stops instead of restarting it. */
export const PORT_TAKEN_EXIT_CODE = 3;
