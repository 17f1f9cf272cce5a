import { describe, expect, it } from "vitest";
import { AllowedHost, matchAllowlist, OutboundAllowlist } from "./policy";

describe("allowlist entries", () => {
  it("accept host names, wildcards and IP literals, lower-cased", () => {
    expect(AllowedHost.parse({ host: " Models.Example.COM " })).toEqual({ host: "models.example.com", allowPrivate: false });
    expect(AllowedHost.parse({ host: "*.vendor.ai" }).host).toBe("*.vendor.ai");
    expect(AllowedHost.parse({ host: "[::1]", allowPrivate: true }).host).toBe("::1");
  });

  it("refuse URLs, ports, paths and private wildcards, naming the field", () => {
    for (const host of ["http://x.com", "x.com:8080", "x.com/path", "", "a..b", "*"]) {
      expect(AllowedHost.safeParse({ host }).success, host).toBe(false);
    }
    const r = AllowedHost.safeParse({ host: "*.corp.internal", allowPrivate: true });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(["allowPrivate"]);
    expect(OutboundAllowlist.safeParse(Array.from({ length: 101 }, (_, i) => ({ host: `h${i}.com` }))).success).toBe(false);
  });

  it("match exact names before wildcards, subdomains only for wildcards", () => {
    const list = [
      { host: "*.vendor.ai", allowPrivate: false },
      { host: "gpu.vendor.ai", allowPrivate: true },
    ];
    expect(matchAllowlist("gpu.vendor.ai", list)?.allowPrivate).toBe(true);
    expect(matchAllowlist("EU.Vendor.AI.", list)?.host).toBe("*.vendor.ai");
    expect(matchAllowlist("vendor.ai", list)).toBeNull();
    expect(matchAllowlist("evilvendor.ai", list)).toBeNull();
    expect(matchAllowlist("vendor.ai.evil.com", list)).toBeNull();
    expect(matchAllowlist("[::ffff:7f00:1]", [{ host: "::ffff:127.0.0.1", allowPrivate: false }])).not.toBeNull();
  });
});
