import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, keyId, redactSecrets, SecretError } from "./secrets";

const key = randomBytes(32);

describe("secrets at rest", () => {
  it("round-trips, and the stored text holds neither the plaintext nor its base64", () => {
    const plain = "Bearer sk-live-0123456789abcdef";
    const stored = encryptSecret(plain, key, "endpoint-auth:team1:v1");
    expect(stored).not.toContain(plain);
    expect(stored).not.toContain("sk-live");
    expect(stored).not.toContain(Buffer.from(plain).toString("base64").slice(0, 12));
    expect(stored.startsWith(`v1.${keyId(key)}.`)).toBe(true);
    expect(decryptSecret(stored, key, "endpoint-auth:team1:v1")).toBe(plain);
    // A fresh nonce each time: equal secrets do not look equal at rest.
    expect(encryptSecret(plain, key, "c")).not.toBe(encryptSecret(plain, key, "c"));
  });

  it("refuses another record's context, a tampered value and another key, with clear messages", () => {
    const stored = encryptSecret("token", key, "endpoint-auth:team1:v1");
    expect(() => decryptSecret(stored, key, "endpoint-auth:team2:v1")).toThrow(/integrity check/);
    const parts = stored.split(".");
    parts[4] = Buffer.from("tampered").toString("base64url");
    expect(() => decryptSecret(parts.join("."), key, "endpoint-auth:team1:v1")).toThrow(SecretError);
    expect(() => decryptSecret(stored, randomBytes(32), "endpoint-auth:team1:v1")).toThrow(/encrypted with another key \(id [0-9a-f]{8};/);
    expect(() => decryptSecret("plain-text", key, "x")).toThrow(/format/);
    expect(() => encryptSecret("x", randomBytes(16), "x")).toThrow(/32 bytes/);
  });

  it("redacts secrets from text", () => {
    expect(redactSecrets("401 for token abcd1234 (abcd1234)", ["abcd1234", null, ""])).toBe("401 for token [redacted] ([redacted])");
  });
});
