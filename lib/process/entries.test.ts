import { execFileSync, fork, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildEntryBundles, bundleIsFresh, entryCommand, nodeArgs, BUNDLED_ENTRIES } from "./entries";
import { entryCommand as entryCommandIn } from "./entry-command";

// The worker's bundles: built from the sources, used only while those are unchanged, and the bundled code
// finds the project's files where the sources would.

const ROOT = resolve(import.meta.dirname, "..", "..");

describe("entry bundles", () => {
  it("are built fresh, started with plain Node, and fall back to the source through tsx once a file they were built from changes", { timeout: 120_000 }, async () => {
    await buildEntryBundles();
    for (const entry of BUNDLED_ENTRIES) {
      expect(bundleIsFresh(entry), entry).toBe(true);
      expect(entryCommand(entry)).toEqual({ file: join(ROOT, ".bulwark", "entries", entry.replace(/\.ts$/, ".mjs")), execArgv: [] });
    }
    // An absolute path names the same entry.
    expect(entryCommand(join(ROOT, "workers/shard-process.ts")).execArgv).toEqual([]);
    // The web server names the project folder itself (its own bundle has no import.meta): the same answer.
    expect(entryCommandIn("lib/registry/check-process.ts", ROOT)).toEqual(entryCommand("lib/registry/check-process.ts"));
    // Anything else starts from its source.
    expect(entryCommand("scripts/demo-traffic.ts")).toEqual({ file: join(ROOT, "scripts/demo-traffic.ts"), execArgv: ["--import", "tsx"] });

    // A file it was built from changes (here: its recorded state no longer matches the file's): the bundle is
    // stale and the source is started through tsx until it is rebuilt. (The manifest is edited rather than the
    // source, whose new modification time would also make a supervisor started meanwhile rebuild the web app.)
    const manifest = join(ROOT, ".bulwark", "entries", "workers", "shard-process.json");
    const m = JSON.parse(readFileSync(manifest, "utf8")) as { inputs: Record<string, { size: number; mtimeMs: number }> };
    expect(Object.keys(m.inputs)).toContain("lib/engine/aggregate.ts");
    m.inputs["lib/engine/aggregate.ts"]!.mtimeMs -= 1_000;
    writeFileSync(manifest, JSON.stringify(m));
    expect(bundleIsFresh("workers/shard-process.ts")).toBe(false);
    expect(entryCommand("workers/shard-process.ts")).toEqual({ file: join(ROOT, "workers/shard-process.ts"), execArgv: ["--import", "tsx"] });
    expect(await buildEntryBundles()).toEqual(["workers/shard-process.ts"]);
    expect(bundleIsFresh("workers/shard-process.ts")).toBe(true);
  });

  it("keep each module's own location: the bundled code resolves paths as the sources do", async () => {
    await buildEntryBundles();
    const bundle = readFileSync(entryCommand("workers/main.ts").file, "utf8");
    // import.meta is written in per module (the project folder of lib/process/entries.ts, for one).
    expect(bundle).toContain(JSON.stringify(join(ROOT, "lib", "process")));
    expect(bundle).not.toMatch(/import\.meta\.(url|dirname|filename)/);
    // Loaded by plain Node, a bundle's modules evaluate (the engine process waits for its first task over IPC).
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(entryCommand("workers/shard-process.ts").file)}); console.log("loaded")`], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out.trim().split("\n").at(-1)).toBe("loaded");
    // The upload-check process, bundled, loads TensorFlow.js and says it is ready over IPC, as from its source.
    const check = fork(entryCommand("lib/registry/check-process.ts").file, [], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } });
    const first = await new Promise((res, rej) => {
      check.once("message", res);
      check.once("exit", (code) => rej(new Error(`the check process exited (${code})`)));
    });
    check.kill();
    expect(first).toEqual({ type: "ready" });
    // The user script (`npm run user`, and the journeys' users), bundled, runs its command line: without a
    // command it prints its usage and exits 2, once every module it imports has loaded.
    const user = spawnSync(process.execPath, nodeArgs("scripts/user.ts"), { cwd: ROOT, encoding: "utf8" });
    expect(nodeArgs("scripts/user.ts")).toEqual([entryCommand("scripts/user.ts").file]);
    expect({ status: user.status, err: user.stderr.split("\n")[0] }).toEqual({ status: 2, err: expect.stringContaining("Usage: npm run user -- create") });
  }, 120_000);
});
