import { createHash } from "node:crypto";

/**
 * A deterministic UUID for a demo record, derived from its natural key: sha1("<kind>:<key>") laid out as a
 * version-5-style UUID (RFC 4122 variant). The same record gets the same id on every start, so reloading
 * the demo data with `onConflictDoNothing` adds nothing.
 */
export function stableId(kind: string, key: string): string {
  const bytes = createHash("sha1").update(`${kind}:${key}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A short stable hash of a natural key, for external ids of source rows that have none of their own. */
export function stableHash(key: string): string {
  return createHash("sha1").update(key).digest("hex");
}

const MPAN_PRIMES = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/** The 13th digit of an MPAN core: Σ(digit × prime) over the first 12 digits, mod 11, mod 10. */
export function mpanCheckDigit(first12: string): number {
  if (!/^\d{12}$/.test(first12)) throw new Error(`MPAN core prefix must be 12 digits: ${first12}`);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (MPAN_PRIMES[i] ?? 0);
  return (sum % 11) % 10;
}

/** A valid 13-digit MPAN core: 2-digit distributor id + 10-digit reference + check digit. */
export function mpanCore(distributorId: number, reference: string): string {
  const first12 = `${String(distributorId).padStart(2, "0")}${reference.padStart(10, "0")}`;
  return `${first12}${mpanCheckDigit(first12)}`;
}
