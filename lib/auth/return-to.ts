// Where to go after signing in: only a path on this site. A deep link (e.g. /t/demo/evaluations/3 from a
// webhook) survives the sign-in page, but an attacker's link cannot send a fresh session to another origin.

const BASE = "http://bulwark.invalid";

/** The request header proxy.ts sets to the page's path and query, for the sign-in redirect. */
export const PATH_HEADER = "x-bulwark-path";

/** The path itself when it is a same-origin relative path (with its query and fragment), else null. */
export function safeReturnPath(raw: string | null | undefined): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return null;
  // One leading slash, then not a second slash or backslash (protocol-relative //host, /\host); no backslash,
  // control character or whitespace anywhere (browsers strip or reinterpret them).
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  if (raw.includes("\\") || [...raw].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f)) return null;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  // Back to the sign-in page or an API answer is no destination.
  if (url.pathname === "/sign-in" || url.pathname.startsWith("/api/")) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page that returns to `path` afterwards (or plain /sign-in when the path is not one). */
export function signInPath(path: string | null | undefined): string {
  const safe = safeReturnPath(path);
  return safe && safe !== "/" ? `/sign-in?callbackUrl=${encodeURIComponent(safe)}` : "/sign-in";
}
