// The V.2 / S.1 calculation library: pure functions, no database, no GraphQL.
export * from "./baseline.js";
export * from "./calendar.js";
export * from "./errors.js";
export * from "./exact.js";
export * from "./money.js";
export * from "./quantity.js";
