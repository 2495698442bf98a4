import { expect } from "vitest";
import type { CalculationReason } from "../../src/calculations/index.js";

/** Runs `fn` and checks it threw BAD_USER_INPUT with this calculation reason. */
export function expectReason(fn: () => unknown, reason: CalculationReason) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${reason}`).toBeDefined();
  expect((thrown as { extensions?: Record<string, unknown> }).extensions).toMatchObject({ code: "BAD_USER_INPUT", reason });
  return thrown as Error & { extensions: Record<string, unknown> };
}
