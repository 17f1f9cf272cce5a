import { describe, expect, it } from "vitest";
import { nativeThreadDefaults } from "./shard-runner";

describe("native thread defaults for engine processes", () => {
  it("splits the cores between the engine processes one worker runs at once, one inter-op thread each", () => {
    expect(nativeThreadDefaults(2, 1)).toEqual({ TF_NUM_INTRAOP_THREADS: "2", TF_NUM_INTEROP_THREADS: "1", TF_CPP_MIN_LOG_LEVEL: "2" });
    expect(nativeThreadDefaults(2, 2).TF_NUM_INTRAOP_THREADS).toBe("1");
    expect(nativeThreadDefaults(2, 3).TF_NUM_INTRAOP_THREADS).toBe("1"); // never 0
    expect(nativeThreadDefaults(8, 3).TF_NUM_INTRAOP_THREADS).toBe("2");
  });
});
