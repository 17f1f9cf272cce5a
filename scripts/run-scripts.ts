/*
 * Runs npm scripts; the exit code is the first failure's.
 *   --together (npm run check): the type check and ESLint at the same time, each on a core for under half a
 *   minute; each one's output is printed whole when it ends, under its name.
 *   Otherwise (npm test: the checks, the Vitest suite, the Playwright journeys) one after another, lines
 *   printed as they come, each prefixed with its script. Each of the last two keeps both cores busy on its
 *   own; side by side they took 1.8 times the CPU and 1.7 times the time (CI rehearsals 34 and 35 in
 *   docs/benchmarks.md). A failure does not stop the scripts after it, and the failed scripts' last lines (their
 *   failure summaries) are printed again at the end, where a CI log's tail shows them.
 */
import { spawn } from "node:child_process";

const together = process.argv[2] === "--together";
const scripts = process.argv.slice(together ? 3 : 2);
const width = Math.max(...scripts.map((s) => s.length));

const TAIL_LINES = 200;

type Result = { name: string; code: number; out: string; tail: string[]; seconds: number };

function run(name: string, live: boolean): Promise<Result> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn("npm", ["run", "-s", name], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let partial = "";
    const tail: string[] = [];
    const take = (d: Buffer) => {
      if (!live) return void (out += d);
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        process.stdout.write(`${name.padEnd(width)} │ ${line}\n`);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code, signal) => {
      if (live && partial) {
        process.stdout.write(`${name.padEnd(width)} │ ${partial}\n`);
        tail.push(partial);
      }
      const seconds = (Date.now() - t0) / 1000;
      if (live) console.log(`── npm run ${name}: ${code === 0 ? "passed" : `FAILED (exit ${code ?? signal})`} in ${seconds.toFixed(0)} s`);
      resolve({ name, code: code ?? (signal ? 1 : 0), out, tail, seconds });
    });
  });
}

const results: Result[] = [];
if (together) results.push(...(await Promise.all(scripts.map((s) => run(s, false)))));
else for (const s of scripts) results.push(await run(s, true));

for (const r of results.filter((r) => !together && r.code !== 0)) {
  console.log(`\n── npm run ${r.name} FAILED: its last ${r.tail.length} lines again ──`);
  for (const line of r.tail) console.log(`${r.name.padEnd(width)} │ ${line}`);
}
for (const r of results) {
  console.log(`── npm run ${r.name}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`);
  if (r.out.trim()) console.log(r.out.trimEnd());
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
