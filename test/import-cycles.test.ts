import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The house has no import circles (type-only imports included: a circle of types is still two modules
// that cannot be read apart). Relative and "@/" imports of lib/, app/, workers/, scripts/ and cli/ are
// followed: import and export declarations (side-effect imports too) and import("…") types, read by
// TypeScript itself so no spelling slips past a pattern. A dynamic `await import()` is not followed: it
// loads on first call, after both modules have initialised, which is how lib/jobs/catalog.ts reaches the
// job handlers that send through it.

const ROOT = resolve(import.meta.dirname, "..");
const DIRS = ["lib", "app", "workers", "scripts", "cli"];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" || e.name === "node_modules" ? [] : sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  const base = spec.startsWith("@/") ? join(ROOT, spec.slice(2)) : spec.startsWith(".") ? resolve(dirname(from), spec) : null;
  if (!base) return null;
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts"), join(base, "index.tsx")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return null;
}

function staticSpecifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  // Without an import(…) in the text, TypeScript's import pre-scan (no full parse: the test stays fast)
  // lists exactly the import and export declarations.
  if (!/\bimport\s*\(/.test(text)) return ts.preProcessFile(text, true, false).importedFiles.map((f) => f.fileName);
  // With one, parse to tell an import("…") type (an edge) from a dynamic import (not one).
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) out.push(n.moduleSpecifier.text);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) out.push(n.argument.literal.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of DIRS.flatMap((d) => sourceFiles(join(ROOT, d)))) {
    graph.set(f, staticSpecifiers(f).map((s) => resolveImport(f, s)).filter((x): x is string => !!x && !x.includes("/generated/")));
  }
  return graph;
}

/** Tarjan's strongly connected components; every component of two or more files is a circle. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [], out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** One way round a circle, as a reader follows it: a shortest path from the first file back to itself. */
function wayRound(graph: Map<string, string[]>, files: string[]): string[] {
  const inside = new Set(files);
  const start = files[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length && !prev.has(start)) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w) || prev.has(w)) continue;
      prev.set(w, v);
      if (w === start) break;
      queue.push(w);
    }
  }
  const path = [start];
  for (let v = prev.get(start)!; v !== start; v = prev.get(v)!) path.unshift(v);
  path.unshift(start);
  return path;
}

describe("imports", () => {
  it("form no circles between modules (a failure names each circle as a path back to its start)", () => {
    const graph = importGraph();
    expect(circles(graph).map((c) => wayRound(graph, c).map((f) => relative(ROOT, f)).join(" → "))).toEqual([]);
  });

  it("finds a circle when there is one, and the way round it (the check itself works)", () => {
    const g = new Map([["a", ["b"]], ["b", ["c", "d"]], ["c", ["a"]], ["d", ["a"]], ["e", ["a"]]]);
    const found = circles(g);
    expect(found.map((c) => c.length)).toEqual([4]);
    expect(wayRound(g, found[0]!)).toEqual(["a", "b", "c", "a"]);
  });

  it("reads side-effect imports, type imports, re-exports and import(\"…\") types as edges, not dynamic imports or strings", () => {
    const dir = mkdtempSync(join(tmpdir(), "cycles-"));
    try {
      writeFileSync(join(dir, "a.ts"), 'import "./b";\nexport * from "./c";\nexport type T = import("./d").D;\nconst later = () => import("./e");\n');
      expect(staticSpecifiers(join(dir, "a.ts"))).toEqual(["./b", "./c", "./d"]);
      writeFileSync(join(dir, "f.ts"), 'import "./b";\nimport type { X } from "./c";\nexport { y } from "./d";\nconst s = "import z from \\"./e\\"";\n');
      expect(staticSpecifiers(join(dir, "f.ts"))).toEqual(["./b", "./c", "./d"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
