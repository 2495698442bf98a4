// Source adapters (issue 10 item 2): real published files → the hub's transaction taxonomy, as pure functions.
export * from "./generic.js";
export * from "./neso-dc-masterdata.js";
export * from "./ukpn-dispatches.js";
