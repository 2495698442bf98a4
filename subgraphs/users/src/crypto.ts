import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/** scrypt cost: N = 2^15, r = 8, p = 1 (OWASP's minimum for scrypt); 128·N·r = 32 MiB, so maxmem is raised. */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, length, { ...options, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, { N, r: R, p: P }, KEY_LENGTH);
  return ["scrypt", N, R, P, salt.toString("base64"), hash.toString("base64")].join("$");
}

export type PasswordVerifier = (password: string, stored: string | null | undefined) => Promise<boolean>;

/** True when `password` matches `stored`; false for a malformed or absent hash (still spending a hash's time). */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parts = stored?.split("$") ?? [];
  const [scheme, n, r, p, salt, hash] = parts;
  if (parts.length !== 6 || scheme !== "scrypt" || !salt || !hash) {
    await dummyVerify(password);
    return false;
  }
  const expected = Buffer.from(hash, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), { N: Number(n), r: Number(r), p: Number(p) }, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const DUMMY_SALT = randomBytes(16);
/** Spends the time of one password check, so an unknown e-mail answers as slowly as a known one. */
export async function dummyVerify(password: string): Promise<void> {
  const actual = await derive(password, DUMMY_SALT, { N, r: R, p: P }, KEY_LENGTH);
  timingSafeEqual(actual, Buffer.alloc(KEY_LENGTH));
}

/** A random secret for a link or a refresh token: 32 bytes, base64url. */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString("base64url");

/** What is stored instead of a token: its SHA-256, hex. */
export const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");
