import { describe, expect, it } from "vitest";
import { safeReturnPath, signInPath } from "./return-to";

describe("safeReturnPath", () => {
  it("keeps a same-origin path with its query and fragment", () => {
    expect(safeReturnPath("/t/demo/evaluations/3")).toBe("/t/demo/evaluations/3");
    expect(safeReturnPath("/t/demo/audit?action=report.&page=2#e5")).toBe("/t/demo/audit?action=report.&page=2#e5");
  });

  it.each([
    ["absolute URL", "https://evil.example/t/demo"],
    ["scheme", "javascript:alert(1)"],
    ["protocol-relative", "//evil.example/x"],
    ["backslash host", "/\\evil.example"],
    ["backslash inside", "/t\\..\\..\\evil"],
    ["encoded CR/LF stays text, raw one refused", "/t/demo\r\nSet-Cookie: x"],
    ["tab", "/\t/evil.example"],
    ["relative without slash", "t/demo"],
    ["empty", ""],
    ["sign-in loop", "/sign-in?callbackUrl=/x"],
    ["API", "/api/v1/evaluations"],
  ])("refuses %s", (_what, raw) => {
    expect(safeReturnPath(raw)).toBeNull();
  });

  it("refuses what is not a string and over-long paths", () => {
    expect(safeReturnPath(null)).toBeNull();
    expect(safeReturnPath(undefined)).toBeNull();
    expect(safeReturnPath(`/${"a".repeat(2001)}`)).toBeNull();
  });

  it("normalises dot segments without leaving the site", () => {
    expect(safeReturnPath("/t/../../x")).toBe("/x");
  });
});

describe("signInPath", () => {
  it("carries a safe path and drops anything else", () => {
    expect(signInPath("/t/demo/evaluations/3")).toBe("/sign-in?callbackUrl=%2Ft%2Fdemo%2Fevaluations%2F3");
    expect(signInPath("//evil.example")).toBe("/sign-in");
    expect(signInPath("/")).toBe("/sign-in");
    expect(signInPath(null)).toBe("/sign-in");
  });
});
