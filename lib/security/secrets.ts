import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// Secrets at rest (endpoint credentials): AES-256-GCM with a fresh 96-bit nonce per value. The record
// the secret belongs to is bound in as associated data, so a ciphertext copied onto another team's or
// another model's row does not decrypt. The stored text names the key by a short fingerprint, so a key
// change gives a clear error instead of a bare authentication failure.

const VERSION = "v1";

/** First 8 hex characters of SHA-256 of the key: identifies it in messages, reveals nothing useful. */
export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function checkKey(key: Buffer) {
  if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
}

/** Encrypts `plaintext`; `context` (e.g. "endpoint-auth:<teamId>:<versionId>") must be given again to decrypt. */
export function encryptSecret(plaintext: string, key: Buffer, context: string): string {
  checkKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, keyId(key), iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

export class SecretError extends Error {}

export function decryptSecret(stored: string, key: Buffer, context: string): string {
  checkKey(key);
  const parts = stored.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretError("The stored secret is not in a format this version understands.");
  const [, kid, iv, tag, ct] = parts;
  if (kid !== keyId(key)) {
    throw new SecretError(`The stored secret was encrypted with another key (id ${kid}; the configured BULWARK_SECRET_KEY has id ${keyId(key)}). Enter the credential again or restore the old key.`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretError("The stored secret failed its integrity check (altered, or moved from another record).");
  }
}

/** Replaces every occurrence of each secret in `text` (for log lines and error messages built from outside input). */
export function redactSecrets(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  return out;
}
