// Security headers for every response. Pure: proxy.ts calls these per request (with a fresh nonce),
// next.config.ts once at build time for the responses the proxy does not see (requests with a body).

export interface CspOptions {
  /** `next dev`: React's dev build needs eval, and Turbopack's hot reload injects <style> tags without a nonce. */
  dev: boolean;
  /** The public URL is https: browsers should upgrade any http sub-resource. */
  https: boolean;
}

/** A fresh CSP nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The Content-Security-Policy. With a nonce (pages rendered for this request) Next puts it on its own
 * scripts and inline styles, and 'strict-dynamic' lets those scripts load the page's chunks. Without a
 * nonce (responses the proxy skips) no inline script may run at all.
 */
export function buildCsp(nonce: string | null, o: CspOptions): string {
  const n = nonce ? ` 'nonce-${nonce}'` : "";
  const scriptSrc = `'self'${n}${nonce ? " 'strict-dynamic'" : ""}${o.dev ? " 'unsafe-eval'" : ""}`;
  // Browsers ignore 'unsafe-inline' when a nonce is present, so dev gets no nonce for styles.
  const styleSrc = o.dev ? "'self' 'unsafe-inline'" : `'self'${n}`;
  const directives = [
    "default-src 'self'",
    `script-src ${scriptSrc}`,
    `style-src ${styleSrc}`,
    // React `style` props (chart widths, progress bars, legend swatches) render as style attributes,
    // which cannot carry a nonce. Allowing attributes only still forbids injected <style> elements.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (o.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** HSTS for a year, only when the app is served over https (over http browsers ignore it, and it would lock a later plain-http setup out). */
export const HSTS_VALUE = "max-age=31536000";

/** The headers besides the CSP. */
export function securityHeaders(o: { https: boolean }): Record<string, string> {
  const h: Record<string, string> = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    // Internal host names and paths (team slugs, model ids) stay inside Bulwark.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
  };
  if (o.https) h["Strict-Transport-Security"] = HSTS_VALUE;
  return h;
}

/** Whether the public URL (NEXTAUTH_URL) is https. */
export function isHttpsUrl(url: string): boolean {
  return url.toLowerCase().startsWith("https:");
}

/**
 * Headers for a stored file sent back to a browser: always a download (never rendered inline, so an
 * uploaded evil.html or evil.svg cannot run in Bulwark's origin), with a type the browser must not
 * second-guess. The file name keeps only safe characters (no quotes, no line breaks).
 */
export function attachmentHeaders(filename: string, contentType: "application/octet-stream" | "application/pdf" | "application/json" = "application/octet-stream"): Record<string, string> {
  const safe = filename.replace(/[^A-Za-z0-9._()-]+/g, "_").replace(/^\.+/, "_").slice(0, 150) || "file";
  return {
    "Content-Type": contentType,
    "Content-Disposition": `attachment; filename="${safe}"`,
    "X-Content-Type-Options": "nosniff",
  };
}
