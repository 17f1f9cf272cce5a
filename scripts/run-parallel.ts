/*
 * Runs npm scripts at the same time; the exit code is the first failure's.
 *   npm run check: the type check and ESLint (each one busy core for about a minute); each one's output is
 *   printed whole when it ends, under its name.
 *   npm test (--live): the checks, the Vitest suite and the Playwright journeys side by side. Much of each
 *   waits on workers, the queue or a browser, so together they keep both cores busy where one after the
 *   other left a third of the machine idle. Lines are printed as they come, each prefixed with its script;
 *   a failed script's last lines (its failure summary) are printed again at the end, where a CI log's tail shows
 *   them, since the other scripts may have printed for many minutes after it ended.
 */
import { spawn } from "node:child_process";

const live = process.argv[2] === "--live";
const scripts = process.argv.slice(live ? 3 : 2);
const width = Math.max(...scripts.map((s) => s.length));

const TAIL_LINES = 200;

function run(name: string): Promise<{ name: string; code: number; out: string; tail: string[]; seconds: number }> {
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

const results = await Promise.all(scripts.map(run));
for (const r of results.filter((r) => live && r.code !== 0)) {
  console.log(`\n── npm run ${r.name} FAILED: its last ${r.tail.length} lines again ──`);
  for (const line of r.tail) console.log(`${r.name.padEnd(width)} │ ${line}`);
}
for (const r of results) {
  console.log(`── npm run ${r.name}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`);
  if (r.out.trim()) console.log(r.out.trimEnd());
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
