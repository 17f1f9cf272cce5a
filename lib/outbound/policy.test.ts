import { describe, expect, it } from "vitest";
import { AllowedHost, checkTarget, matchAllowlist, OutboundAllowlist, type OutboundError, type Resolver } from "./policy";

const e = (host: string, allowPrivate = false, ports = [443]) => ({ host, allowPrivate, ports });

describe("allowlist entries", () => {
  it("accept host names, wildcards and IP literals, lower-cased, with HTTPS as the default port", () => {
    expect(AllowedHost.parse({ host: " Models.Example.COM " })).toEqual({ host: "models.example.com", allowPrivate: false, ports: [443] });
    expect(AllowedHost.parse({ host: "*.vendor.ai" }).host).toBe("*.vendor.ai");
    expect(AllowedHost.parse({ host: "[::1]", allowPrivate: true }).host).toBe("::1");
    expect(AllowedHost.parse({ host: "10.0.0.5", allowPrivate: true, ports: "8443, 80 ,8443" }).ports).toEqual([80, 8443]);
    expect(AllowedHost.parse({ host: "models.example.com", ports: [8080] }).ports).toEqual([8080]);
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

  it("refuse bad ports, naming the field", () => {
    for (const ports of [[], [0], [65536], [1.5], "", "https", Array.from({ length: 17 }, (_, i) => 1000 + i)]) {
      const r = AllowedHost.safeParse({ host: "models.example.com", ports });
      expect(r.success, JSON.stringify(ports)).toBe(false);
      expect(r.error?.issues[0].path[0]).toBe("ports");
    }
  });

  it("refuse wildcards over IP addresses and numeric spellings of addresses", () => {
    for (const host of ["*.1", "*.0.0.1", "*.10.0.0.1", "*.0x7f"]) {
      expect(AllowedHost.safeParse({ host }).error?.issues[0].message, host).toMatch(/DNS names only/);
    }
    for (const host of ["2130706433", "127.1", "0x7f.1", "017700000001", "0x7f000001"]) {
      expect(AllowedHost.safeParse({ host }).error?.issues[0].message, host).toMatch(/dotted form/);
    }
  });

  it("refuse link-local and metadata addresses, which no setting can open", () => {
    for (const host of ["169.254.169.254", "169.254.1.1", "fe80::1", "[fd00:ec2::254]", "::ffff:169.254.169.254", "100.100.100.200", "224.0.0.1", "0.0.0.0"]) {
      const r = AllowedHost.safeParse({ host, allowPrivate: true });
      expect(r.success, host).toBe(false);
      expect(r.error?.issues[0].message).toMatch(/no setting can allow it/);
    }
  });
});

describe("matchAllowlist", () => {
  it("matches exact names before wildcards, subdomains only for wildcards", () => {
    const list = [e("*.vendor.ai"), e("gpu.vendor.ai", true)];
    expect(matchAllowlist("gpu.vendor.ai", list)?.allowPrivate).toBe(true);
    expect(matchAllowlist("EU.Vendor.AI.", list)?.host).toBe("*.vendor.ai");
    expect(matchAllowlist("vendor.ai", list)).toBeNull();
    expect(matchAllowlist("evilvendor.ai", list)).toBeNull();
    expect(matchAllowlist("vendor.ai.evil.com", list)).toBeNull();
    expect(matchAllowlist("[::ffff:7f00:1]", [e("::ffff:127.0.0.1")])).not.toBeNull();
  });

  it("never matches an IP address with a wildcard (a stored `*.1` does not admit 10.0.0.1)", () => {
    const list = [e("*.1"), e("*.0.0.1"), e("*.example.com")];
    for (const ip of ["10.0.0.1", "127.0.0.1", "192.168.0.1", "::ffff:10.0.0.1"]) expect(matchAllowlist(ip, list), ip).toBeNull();
    expect(matchAllowlist("10.0.0.1", [...list, e("10.0.0.1")])?.host).toBe("10.0.0.1");
  });
});

describe("checkTarget", () => {
  const resolve: Resolver = async () => [{ address: "93.184.215.14", family: 4 }];
  const refused = async (url: string, allowlist: AllowedHost[]) => {
    try {
      await checkTarget(new URL(url), { allowlist, instanceAllowsPrivate: true }, resolve);
    } catch (err) {
      return (err as OutboundError).code;
    }
    return "allowed";
  };

  it("checks the port against the entry: explicit, or the scheme's default", async () => {
    const list = [e("api.vendor.example", false, [443, 8443])];
    expect(await refused("https://api.vendor.example/", list)).toBe("allowed");
    expect(await refused("https://api.vendor.example:8443/", list)).toBe("allowed");
    expect(await refused("http://api.vendor.example/", list)).toBe("port_not_allowed");
    expect(await refused("https://api.vendor.example:22/", list)).toBe("port_not_allowed");
    expect(await refused("https://10.0.0.1/", [e("*.1")])).toBe("host_not_allowed");
  });
});
