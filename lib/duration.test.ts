import { describe, expect, it } from "vitest";
import { formatDuration } from "./duration";

describe("formatDuration", () => {
  it("keeps short durations in seconds, at least 1 s", () => {
    expect(formatDuration(0.2)).toBe("1 s");
    expect(formatDuration(9.4)).toBe("9 s");
    expect(formatDuration(89.4)).toBe("89 s");
  });

  it("says minutes from 90 s, and hours with minutes from an hour (the estimate that read \"about 1361 s\")", () => {
    expect(formatDuration(90)).toBe("2 minutes");
    expect(formatDuration(1361)).toBe("23 minutes");
    expect(formatDuration(59 * 60 + 20)).toBe("59 minutes");
    expect(formatDuration(3599.6)).toBe("1 h");
    expect(formatDuration(7500)).toBe("2 h 5 min");
    expect(formatDuration(47 * 3600 + 59 * 60)).toBe("47 h 59 min");
  });

  it("says days and hours for runs of two days or more, and never NaN", () => {
    expect(formatDuration(48 * 3600)).toBe("2 days");
    expect(formatDuration(3 * 86400 + 4 * 3600 + 600)).toBe("3 days 4 h");
    expect(formatDuration(Number.NaN)).toBe("an unknown time");
  });
});
