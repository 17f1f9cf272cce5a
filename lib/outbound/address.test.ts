import { describe, expect, it } from "vitest";
import { classifyAddress } from "./address";

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.1.2", "loopback"],
    ["10.0.0.1", "private (10.0.0.0/8)"],
    ["172.16.0.1", "private (172.16.0.0/12)"],
    ["172.31.255.255", "private (172.16.0.0/12)"],
    ["192.168.1.1", "private (192.168.0.0/16)"],
    ["100.64.0.1", "shared address space"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "this-network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback (::1)"],
    ["::", "unspecified"],
    ["fc00::1", "unique local"],
    ["fd12:3456::1", "unique local"],
    ["fe80::1%eth0", "link-local"],
    ["::ffff:127.0.0.1", "IPv4-mapped 127.0.0.1: loopback"],
    ["::ffff:7f00:1", "IPv4-mapped 127.0.0.1: loopback"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped 169.254.169.254: link-local"],
    ["64:ff9b::10.0.0.1", "NAT64 10.0.0.1: private"],
    ["2002:c0a8:0101::1", "6to4 192.168.1.1: private"],
    ["::127.0.0.1", "IPv4-compatible"],
    ["ff02::1", "multicast"],
  ])("refuses %s (%s)", (ip, range) => {
    const v = classifyAddress(ip);
    expect(v.blockedRange).toContain(range);
  });

  it.each(["8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"])(
    "lets public %s through",
    (ip) => {
      expect(classifyAddress(ip).blockedRange).toBeNull();
    },
  );

  it("normalises and rejects non-addresses", () => {
    expect(classifyAddress("[::1]").address).toBe("0000:0000:0000:0000:0000:0000:0000:0001");
    expect(classifyAddress("::ffff:127.0.0.1").family).toBe(6);
    expect(() => classifyAddress("localhost")).toThrow(/not an IP address/);
    expect(() => classifyAddress("999.1.1.1")).toThrow(/not an IP address/);
  });
});

describe("addresses no setting may open", () => {
  it.each(["169.254.169.254", "169.254.170.2", "fe80::1", "fe80::1%eth0", "fd00:ec2::254", "::ffff:169.254.169.254", "64:ff9b::169.254.169.254", "100.100.100.200", "168.63.129.16", "0.0.0.0", "224.0.0.1", "255.255.255.255", "ff02::1", "::"])(
    "%s is never reachable",
    (ip) => {
      expect(classifyAddress(ip).never).toBe(true);
    },
  );

  it.each(["127.0.0.1", "10.0.0.1", "192.168.1.1", "100.64.0.1", "::1", "fd12:3456::1", "::ffff:127.0.0.1"])("%s is private, not never", (ip) => {
    const v = classifyAddress(ip);
    expect(v.blockedRange).not.toBeNull();
    expect(v.never).toBe(false);
  });
});
