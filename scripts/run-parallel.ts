/*
 * npm run check: the type check and ESLint at the same time (each is one busy core for about a minute).
 * Each one's output is printed whole when it ends, under its name; the exit code is the first failure's.
 */
import { spawn } from "node:child_process";

const scripts = process.argv.slice(2);
const results = await Promise.all(
  scripts.map(
    (name) =>
      new Promise<{ name: string; code: number; out: string; seconds: number }>((resolve) => {
        const t0 = Date.now();
        const child = spawn("npm", ["run", "-s", name], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), out, seconds: (Date.now() - t0) / 1000 }));
      }),
  ),
);
for (const r of results) {
  console.log(`── npm run ${r.name}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s`);
  if (r.out.trim()) console.log(r.out.trimEnd());
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
