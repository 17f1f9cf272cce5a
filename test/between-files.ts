import { rmSync } from "node:fs";

// State that test/db-per-file.ts needs across the test files of one process. In the `db` project several
// files run one after another in a process (isolate: false) and share every module except the setup file,
// which Vitest evaluates again for each file: whatever must outlive one file's setup lives here.

// The environment as the process started (Vitest's `test.env` applied): each file starts from it again.
const startEnv: Record<string, string | undefined> = { ...process.env };

/** Puts process.env back as the process started: a file that set a variable does not hand it to the next. */
export function restoreStartEnv(): void {
  for (const k of Object.keys(process.env)) if (!(k in startEnv)) delete process.env[k];
  for (const [k, v] of Object.entries(startEnv)) if (process.env[k] !== v) process.env[k] = v;
}

const tempDirs: string[] = [];

/** A temporary folder to remove when the current test file ends (test/db-per-file.ts removes it). */
export function removeAfterFile(dir: string): void {
  tempDirs.push(dir);
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
