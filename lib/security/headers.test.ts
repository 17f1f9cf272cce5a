import { describe, expect, it } from "vitest";
import { attachmentHeaders, buildCsp, isHttpsUrl, newNonce, securityHeaders } from "./headers";

const directives = (csp: string) => new Map(csp.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));

describe("buildCsp", () => {
  it("production: nonce-based scripts, no eval, no inline scripts or <style> elements", () => {
    const d = directives(buildCsp("abc123==", { dev: false, https: false }));
    expect(d.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(d.get("style-src")).toEqual(["'self'", "'nonce-abc123=='"]);
    // Only style attributes may be inline (React style props); see the comment in headers.ts.
    expect(d.get("style-src-attr")).toEqual(["'unsafe-inline'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("base-uri")).toEqual(["'self'"]);
    expect(d.get("form-action")).toEqual(["'self'"]);
    expect(d.get("default-src")).toEqual(["'self'"]);
    expect(d.has("upgrade-insecure-requests")).toBe(false);
    const all = buildCsp("abc123==", { dev: false, https: true });
    expect(all).not.toContain("unsafe-eval");
    expect(all.replace("style-src-attr 'unsafe-inline'", "")).not.toContain("unsafe-inline");
  });

  it("dev allows eval (React's dev build) and inline <style> (hot reload)", () => {
    const d = directives(buildCsp("n", { dev: true, https: false }));
    expect(d.get("script-src")).toContain("'unsafe-eval'");
    expect(d.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it("without a nonce no inline script may run", () => {
    const d = directives(buildCsp(null, { dev: false, https: false }));
    expect(d.get("script-src")).toEqual(["'self'"]);
    expect(d.get("style-src")).toEqual(["'self'"]);
  });

  it("https adds upgrade-insecure-requests", () => {
    expect(directives(buildCsp("n", { dev: false, https: true })).has("upgrade-insecure-requests")).toBe(true);
  });
});

describe("securityHeaders", () => {
  it("sends HSTS only over https", () => {
    expect(securityHeaders({ https: false })["Strict-Transport-Security"]).toBeUndefined();
    expect(securityHeaders({ https: true })["Strict-Transport-Security"]).toBe("max-age=31536000");
  });

  it("forbids framing and sniffing", () => {
    const h = securityHeaders({ https: false });
    expect(h["X-Frame-Options"]).toBe("DENY");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Referrer-Policy"]).toBe("same-origin");
    expect(h["Permissions-Policy"]).toContain("camera=()");
  });
});

describe("newNonce / isHttpsUrl", () => {
  it("nonces are 128-bit base64 and differ", () => {
    const a = newNonce();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(newNonce()).not.toBe(a);
  });
  it("recognises https URLs", () => {
    expect(isHttpsUrl("https://bulwark.example")).toBe(true);
    expect(isHttpsUrl("HTTPS://X")).toBe(true);
    expect(isHttpsUrl("http://localhost:3000")).toBe(false);
  });
});

describe("attachmentHeaders", () => {
  it("downloads as octet-stream with nosniff, whatever the name claims", () => {
    expect(attachmentHeaders("evil.html")).toEqual({ "Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="evil.html"', "X-Content-Type-Options": "nosniff" });
    expect(attachmentHeaders("report.pdf", "application/pdf")["Content-Type"]).toBe("application/pdf");
  });
  it("keeps quotes, line breaks and leading dots out of the file name", () => {
    expect(attachmentHeaders('a"b\r\nSet-Cookie: x=1.svg')["Content-Disposition"]).toBe('attachment; filename="a_b_Set-Cookie_x_1.svg"');
    expect(attachmentHeaders(".htaccess")["Content-Disposition"]).toBe('attachment; filename="_htaccess"');
    expect(attachmentHeaders("")["Content-Disposition"]).toBe('attachment; filename="file"');
  });
});
