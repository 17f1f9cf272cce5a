import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadOrCreateSecret, parseEnv, secretKey, type Env } from "./env";

describe("parseEnv", () => {
  it("applies defaults", () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(3000);
    expect(e.BULWARK_DATA_DIR).toBe("./.bulwark");
    expect(e.BULWARK_DEMO).toBe(true);
    expect(e.BULWARK_DEMO_SCANS).toBe("all");
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.BULWARK_WEB_PROCESSES).toBe(Math.min(2, availableParallelism()));
  });

  it("takes a number of web processes between 1 and 64, with one line for a bad value", () => {
    expect(parseEnv({ BULWARK_WEB_PROCESSES: "1" }).BULWARK_WEB_PROCESSES).toBe(1);
    expect(parseEnv({ BULWARK_WEB_PROCESSES: "4" }).BULWARK_WEB_PROCESSES).toBe(4);
    const line = (v: string) => new RegExp(`^Invalid configuration:\\n {2}BULWARK_WEB_PROCESSES: .* \\(got "${v}"\\)$`);
    expect(() => parseEnv({ BULWARK_WEB_PROCESSES: "0" })).toThrow(line("0"));
    expect(() => parseEnv({ BULWARK_WEB_PROCESSES: "0" })).toThrow(/expected at least 1 \(got/);
    expect(() => parseEnv({ BULWARK_WEB_PROCESSES: "-1" })).toThrow(line("-1"));
    expect(() => parseEnv({ BULWARK_WEB_PROCESSES: "abc" })).toThrow(/BULWARK_WEB_PROCESSES: expected a whole number of processes \(got "abc"\)$/);
    expect(() => parseEnv({ BULWARK_WEB_PROCESSES: "1.5" })).toThrow(/BULWARK_WEB_PROCESSES: expected a whole number of processes/);
    expect(() => parseEnv({ BULWARK_WEB_PROCESSES: "1000" })).toThrow(/BULWARK_WEB_PROCESSES: expected at most 64 \(got "1000"\)$/);
  });

  it("names the variable and what is expected", () => {
    expect(() => parseEnv({ PORT: "abc" })).toThrow(ConfigError);
    expect(() => parseEnv({ PORT: "abc" })).toThrow(/PORT: expected a port number/);
    expect(() => parseEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: expected a postgres/);
    expect(() => parseEnv({ BULWARK_DEMO: "maybe" })).toThrow(/BULWARK_DEMO/);
    expect(() => parseEnv({ BULWARK_DEMO_SCANS: "some" })).toThrow(/BULWARK_DEMO_SCANS: expected all, poisoned or none/);
    expect(() => parseEnv({ NEXTAUTH_SECRET: "short" })).toThrow(/NEXTAUTH_SECRET: expected at least 32/);
    // Single sign-on settings: each bad value is one line naming the variable.
    const oidc = { BULWARK_OIDC_ISSUER: "https://login.example.com", BULWARK_OIDC_CLIENT_ID: "bulwark", BULWARK_OIDC_CLIENT_SECRET: "s3cr3t-value" };
    expect(parseEnv({ ...oidc, BULWARK_OIDC_ROLE_MAP: "admins=risk:ADMIN; cn=ml,ou=groups=risk:ENGINEER", BULWARK_OIDC_ALLOWED_DOMAINS: "Acme.com, @acme.co.uk" })).toMatchObject({
      BULWARK_OIDC_ROLE_MAP: [{ group: "admins", team: "risk", role: "ADMIN" }, { group: "cn=ml,ou=groups", team: "risk", role: "ENGINEER" }],
      BULWARK_OIDC_ALLOWED_DOMAINS: ["acme.com", "acme.co.uk"],
      BULWARK_PASSWORD_SIGN_IN: true,
    });
    expect(() => parseEnv({ ...oidc, BULWARK_OIDC_ISSUER: "login.example.com" })).toThrow(/^Invalid configuration:\n {2}BULWARK_OIDC_ISSUER: expected the issuer's absolute URL/);
    expect(() => parseEnv({ BULWARK_OIDC_ISSUER: oidc.BULWARK_OIDC_ISSUER, BULWARK_OIDC_CLIENT_ID: "bulwark" })).toThrow(/^Invalid configuration:\n {2}BULWARK_OIDC_CLIENT_SECRET: single sign-on needs .*; BULWARK_OIDC_CLIENT_SECRET missing$/);
    expect(() => parseEnv({ ...oidc, BULWARK_OIDC_ROLE_MAP: "admins=risk:OWNER" })).toThrow(/^Invalid configuration:\n {2}BULWARK_OIDC_ROLE_MAP: entry "admins=risk:OWNER": role "OWNER" is not one of ADMIN, REVIEWER, ENGINEER, VIEWER \(got "admins=risk:OWNER"\)$/);
    expect(() => parseEnv({ ...oidc, BULWARK_OIDC_ROLE_MAP: "admins" })).toThrow(/BULWARK_OIDC_ROLE_MAP: entry "admins" is not group=team-slug:ROLE/);
    expect(() => parseEnv({ ...oidc, BULWARK_OIDC_ALLOWED_DOMAINS: "acme.com, not a domain" })).toThrow(/BULWARK_OIDC_ALLOWED_DOMAINS: "not a domain" is not an e-mail domain/);
    expect(() => parseEnv({ BULWARK_PASSWORD_SIGN_IN: "false" })).toThrow(/^Invalid configuration:\n {2}BULWARK_PASSWORD_SIGN_IN: passwords can only be turned off when single sign-on is configured/);
    expect(parseEnv({ ...oidc, BULWARK_PASSWORD_SIGN_IN: "false" }).BULWARK_PASSWORD_SIGN_IN).toBe(false);
    expect(() => parseEnv({ BULWARK_S3_PART_MB: "1" })).toThrow(/^Invalid configuration:\n {2}BULWARK_S3_PART_MB: expected at least 5 \(S3's smallest part\) \(got "1"\)$/);
  });

  it("never echoes a secret: secret variables are redacted, a password inside DATABASE_URL is masked", () => {
    const message = (source: Record<string, string>) => {
      try {
        parseEnv(source);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("expected a configuration error");
    };
    const nextAuth = message({ NEXTAUTH_SECRET: "hunter2-short" });
    expect(nextAuth).toMatch(/NEXTAUTH_SECRET: expected at least 32 characters \(got a value of 13 characters, not shown\)/);
    expect(nextAuth).not.toContain("hunter2");
    const key = message({ BULWARK_SECRET_KEY: "not-a-key-s3cr3t" });
    expect(key).toMatch(/BULWARK_SECRET_KEY/);
    expect(key).not.toContain("s3cr3t");
    const url = message({ DATABASE_URL: "mysql://bulwark:Sup3rSecret@db.example:3306/app" });
    expect(url).toContain('"mysql://bulwark:****@db.example:3306/app"');
    expect(url).not.toContain("Sup3rSecret");
    expect(message({ PORT: "abc" })).toContain('(got "abc")');
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ PORT: "" }).PORT).toBe(3000);
  });

  it("parses booleans", () => {
    expect(parseEnv({ BULWARK_DEMO: "off" }).BULWARK_DEMO).toBe(false);
    expect(parseEnv({ BULWARK_DEMO: "1" }).BULWARK_DEMO).toBe(true);
  });
});

describe("loadOrCreateSecret", () => {
  it("creates a private secret once and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "env-"));
    const first = loadOrCreateSecret(dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadOrCreateSecret(dir)).toBe(first);
    expect(readFileSync(join(dir, "nextauth-secret"), "utf8").trim()).toBe(first);
    expect(statSync(join(dir, "nextauth-secret")).mode & 0o777).toBe(0o600);
  });
});

describe("secretKey", () => {
  const base = (vars: Record<string, string>): Env => ({ ...parseEnv(vars), dataDir: "/tmp", nextAuthSecret: "n".repeat(40), nextAuthUrl: "http://localhost:3000" });

  it("takes BULWARK_SECRET_KEY as hex or base64", () => {
    const hex = "ab".repeat(32);
    expect(secretKey(base({ BULWARK_SECRET_KEY: hex })).toString("hex")).toBe(hex);
    const b64 = Buffer.alloc(32, 7).toString("base64");
    expect(secretKey(base({ BULWARK_SECRET_KEY: b64 }))).toEqual(Buffer.alloc(32, 7));
    expect(() => parseEnv({ BULWARK_SECRET_KEY: "short" })).toThrow(/BULWARK_SECRET_KEY: expected 32 random bytes/);
  });

  it("derives a stable key from the session secret in demo and development installs", () => {
    const a = secretKey(base({ NODE_ENV: "production" }));
    expect(a).toHaveLength(32);
    expect(secretKey(base({ NODE_ENV: "development", BULWARK_DEMO: "false" }))).toEqual(a);
  });

  it("refuses to run without a key in production without demo", () => {
    expect(() => secretKey(base({ NODE_ENV: "production", BULWARK_DEMO: "false" }))).toThrow(/BULWARK_SECRET_KEY is not set/);
  });
});
