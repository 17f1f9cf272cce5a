import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

// Which file starts one of the project's child processes: its bundle (./entries.ts builds them) while that
// is fresh, else its source through tsx. No import.meta here: the web server's own bundle (Next) imports
// this for the upload-check process and names the project folder itself.

/** The entry files that are bundled, relative to the project folder. */
export const BUNDLED_ENTRIES = ["workers/main.ts", "workers/shard-process.ts", "lib/registry/check-process.ts", "scripts/web.ts", "scripts/start.ts", "scripts/user.ts", "cli/main.ts"] as const;

export interface Manifest {
  node: string;
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

const entriesDir = (root: string) => join(root, ".bulwark", "entries");
export const bundleFile = (root: string, entry: string) => join(entriesDir(root), entry.replace(/\.ts$/, ".mjs"));
export const manifestFile = (root: string, entry: string) => join(entriesDir(root), entry.replace(/\.ts$/, ".json"));

/** Whether the bundle of `entry` exists and was built, by this Node version, from the files as they are now. */
export function bundleIsFresh(entry: string, root: string): boolean {
  try {
    const m = JSON.parse(readFileSync(manifestFile(root, entry), "utf8")) as Manifest;
    if (m.node !== process.version || !existsSync(bundleFile(root, entry))) return false;
    return Object.entries(m.inputs).every(([file, was]) => {
      const s = statSync(join(root, file), { throwIfNoEntry: false });
      return s !== undefined && s.size === was.size && s.mtimeMs === was.mtimeMs;
    });
  } catch {
    return false;
  }
}

/**
 * How to start `entry` (relative to `root`, the project folder, or absolute inside it): its fresh bundle with
 * plain Node, else the source through tsx. `execArgv` goes before the file in Node's arguments.
 */
export function entryCommand(entry: string, root: string): { file: string; execArgv: string[] } {
  const rel = relative(root, resolve(root, entry));
  if ((BUNDLED_ENTRIES as readonly string[]).includes(rel) && bundleIsFresh(rel, root)) return { file: bundleFile(root, rel), execArgv: [] };
  return { file: join(root, rel), execArgv: ["--import", "tsx"] };
}
