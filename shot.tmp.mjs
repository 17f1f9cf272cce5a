import { chromium } from "@playwright/test";
const base = process.argv[2], out = process.argv[3], paths = process.argv.slice(4);
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const p = await b.newPage({ viewport: { width: 1400, height: 900 } });
await p.goto(base + "/sign-in");
await p.getByLabel("E-mail").fill(process.env.WHO ?? "reviewer@demo.bulwark.local");
await p.getByLabel("Password").fill("bulwark-demo-2026");
await p.getByRole("button", { name: "Sign in" }).click();
await p.waitForURL(/dashboard/);
let i = 0;
for (const path of paths) { await p.goto(base + path); await p.waitForTimeout(1500); await p.screenshot({ path: `${out}-${i++}.png`, fullPage: process.env.FULL === "1" }); }
await b.close();
