import { describe, expect, it } from "vitest";
import { dotSegmentIn } from "./paths";

describe("dotSegmentIn", () => {
  it("finds '.' and '..' segments however their dots are written", () => {
    expect(dotSegmentIn("/api/v1/models/%2e%2e/versions")).toBe("%2e%2e");
    expect(dotSegmentIn("/api/v1/models/../versions")).toBe("..");
    expect(dotSegmentIn("/t/demo/models/%2E%2e")).toBe("%2E%2e");
    expect(dotSegmentIn("/t/demo/models/.%2e?x=1")).toBe(".%2e");
    expect(dotSegmentIn("/t/demo/models/%2e")).toBe("%2e");
    expect(dotSegmentIn("/t/./models")).toBe(".");
  });

  it("leaves names that merely contain dots, and dots in the query, alone", () => {
    expect(dotSegmentIn("/api/v1/models/v1.2/versions")).toBeNull();
    expect(dotSegmentIn("/api/v1/models/...")).toBeNull();
    expect(dotSegmentIn("/api/v1/models/%252e%252e/versions")).toBeNull(); // a literal "%2e%2e" name after one decoding
    expect(dotSegmentIn("/t/demo/models?next=/../x")).toBeNull();
    expect(dotSegmentIn("/")).toBeNull();
  });
});
