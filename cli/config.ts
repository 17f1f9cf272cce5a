import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

// Where the CLI finds its server and token: BULWARK_URL / BULWARK_TOKEN (what CI sets as secrets)
// win over the file `bulwark login` writes (~/.config/bulwark/config.json, mode 600).
// The CLI is a separate program from the server, so this is its one reader of the environment.

export interface CliConfig { url: string; token: string }

export function configPath(): string {
  return process.env.BULWARK_CONFIG ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "bulwark", "config.json");
}

export function readSaved(): Partial<CliConfig> {
  const file = configPath();
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Partial<CliConfig>;
  } catch {
    return {};
  }
}

export function loadConfig(): CliConfig | { missing: string } {
  const saved = readSaved();
  const url = process.env.BULWARK_URL || saved.url;
  const token = process.env.BULWARK_TOKEN || saved.token;
  if (!url) return { missing: "the server URL" };
  if (!token) return { missing: "an API token" };
  return { url: url.replace(/\/+$/, ""), token };
}

export function saveConfig(c: CliConfig): string {
  const file = configPath();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(c, null, 2) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export const useColor = () => process.stdout.isTTY && !process.env.NO_COLOR;
