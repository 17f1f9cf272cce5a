import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BUNDLED_ENTRIES, bundleFile, bundleIsFresh as freshIn, entryCommand as commandIn, manifestFile, type Manifest } from "./entry-command";

// The worker, its engine processes and the upload-check process start from one bundled file each instead
// of through tsx. Node then loads one module instead of about 700 TypeScript files, each resolved and
// compiled through tsx's loader thread: starting an engine process costs 1.7–2.0 CPU-s instead of 3.1–3.3
// (docs/benchmarks.md), paid at every worker start and by every test that starts one.
//
// The sources stay the truth: a bundle is used only while every file it was built from is unchanged (size
// and modification time, recorded at build); otherwise the process starts from the source through tsx, as
// before. `npm start` and the test runs build the bundles (buildEntryBundles); nothing else needs them.
// Which file to start is decided in ./entry-command.ts, which the web server's own bundle imports too.

const ROOT = resolve(import.meta.dirname, "..", "..");

export { BUNDLED_ENTRIES };

/** Whether the bundle of `entry` exists and was built, by this Node version, from the files as they are now. */
export const bundleIsFresh = (entry: string): boolean => freshIn(entry, ROOT);

/**
 * How to start `entry` (a path relative to the project folder, or absolute inside it): its fresh bundle with
 * plain Node, else the source through tsx. `execArgv` goes before the file in Node's arguments.
 */
export const entryCommand = (entry: string): { file: string; execArgv: string[] } => commandIn(entry, ROOT);

/** Node's arguments to start `entry` (entryCommand's execArgv, then its file). */
export function nodeArgs(entry: string): string[] {
  const e = entryCommand(entry);
  return [...e.execArgv, e.file];
}

/**
 * Builds the bundles that are missing or stale; returns the entries it built. Safe to run from several
 * processes at once: each writes its files under a temporary name and renames them into place.
 */
export async function buildEntryBundles(): Promise<string[]> {
  const stale = BUNDLED_ENTRIES.filter((e) => !bundleIsFresh(e));
  if (stale.length === 0) return [];
  // esbuild is a build tool: loaded only when a bundle has to be built.
  const esbuild = await import("esbuild");
  for (const entry of stale) {
    const out = bundleFile(ROOT, entry);
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const result = await esbuild.build({
      entryPoints: [join(ROOT, entry)],
      outfile: tmp,
      bundle: true,
      platform: "node",
      format: "esm",
      target: `node${process.versions.node.split(".")[0]}`,
      // Packages load from node_modules as they do now (native addons, wasm files next to their code).
      packages: "external",
      metafile: true,
      logLevel: "silent",
      plugins: [keepImportMeta],
    });
    const inputs: Manifest["inputs"] = {};
    for (const file of Object.keys(result.metafile.inputs)) {
      const path = resolve(process.cwd(), file);
      const s = statSync(path);
      inputs[relative(ROOT, path)] = { size: s.size, mtimeMs: s.mtimeMs };
    }
    renameSync(tmp, out);
    const manifestTmp = `${manifestFile(ROOT, entry)}.${process.pid}.tmp`;
    writeFileSync(manifestTmp, JSON.stringify({ node: process.version, inputs } satisfies Manifest));
    renameSync(manifestTmp, manifestFile(ROOT, entry));
  }
  return stale;
}

/**
 * In a bundle, `import.meta` would describe the bundle's file: each module's own `import.meta.url`,
 * `.dirname` and `.filename` are written in as the values they have in the source tree (the project
 * folder, the demo models and Prisma's generated client are found from them).
 */
const META = ["import", "meta"].join("."); // spelled so that this file's own source does not match
const keepImportMeta = {
  name: "keep-import-meta",
  setup(build: { onLoad(o: { filter: RegExp }, cb: (a: { path: string }) => { contents: string; loader: "ts" } | undefined): void }) {
    build.onLoad({ filter: /\.ts$/ }, ({ path }) => {
      if (path.includes("/node_modules/")) return undefined;
      const source = readFileSync(path, "utf8");
      if (!source.includes(META)) return { contents: source, loader: "ts" };
      const contents = source
        .replaceAll(`${META}.url`, JSON.stringify(pathToFileURL(path).href))
        .replaceAll(`${META}.dirname`, JSON.stringify(dirname(path)))
        .replaceAll(`${META}.filename`, JSON.stringify(path));
      return { contents, loader: "ts" };
    });
  },
};
