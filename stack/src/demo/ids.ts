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

/** MPAN cores for the demo's own assets: the stand-in register's helper (its records use the same ones). */
export { mpanCheckDigit, mpanCore } from "@sfe/car-registry";
