// The V.2 / S.1 calculation library (issue 10 items 4–5): pure functions, no database, no GraphQL.
//
// Units and exactness, once for every file:
// - energy: bigint Wh, export-positive net (export − import) per half-hour period named "HH:MM" local;
// - money: bigint pence; prices, quantities and factors are exact rationals (exact.ts) until a line;
// - rounding: a baseline value (and an in-day adjustment) rounds half away from zero to the method's
//   resolutionWh; a statement line's amount rounds half away from zero to the penny, once; a
//   statement's total is the sum of its rounded lines. No binary float is ever used for either.
// - errors: the kit's BAD_USER_INPUT with a stable `extensions.reason` (errors.ts).
export * from "./baseline.js";
export * from "./calendar.js";
export * from "./delivery.js";
export * from "./errors.js";
export * from "./exact.js";
export * from "./money.js";
export * from "./quantity.js";
export * from "./settlement.js";
