import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The house has no import circles (type-only imports included: a circle of types is still two modules
// that cannot be read apart). Relative and "@/" imports of lib/, app/, workers/ and scripts/ are followed.

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

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of DIRS.flatMap((d) => sourceFiles(join(ROOT, d)))) {
    const text = readFileSync(f, "utf8");
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]!);
    graph.set(f, specs.map((s) => resolveImport(f, s)).filter((x): x is string => !!x && !x.includes("/generated/")));
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
      if (comp.length > 1) out.push(comp.map((c) => relative(ROOT, c)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe("imports", () => {
  it("form no circles between modules", () => {
    expect(circles(importGraph())).toEqual([]);
  });

  it("finds a circle when there is one (the check itself works)", () => {
    const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
    expect(circles(g).map((c) => c.length)).toEqual([3]);
  });
});
