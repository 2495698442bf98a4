import { describe, expect, it } from "vitest";
import { findNul, jsonDepthExceeds, shortenMessage } from "../src/index.js";

describe("input guards", () => {
  it("measures JSON nesting in one pass, ignoring brackets inside strings", () => {
    expect(jsonDepthExceeds('{"a":[[1]]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[[[1]]]}', 3)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${"[".repeat(100)}\\"{{"}`, 2)).toBe(false);
    expect(jsonDepthExceeds("[".repeat(200_000), 64)).toBe(true);
  });

  it("finds the path of the first NUL, however deep", () => {
    expect(findNul({ input: { names: ["ok", "n\u0000"] } })).toBe("input.names[1]");
    expect(findNul({ input: { name: "fine" } })).toBeNull();
    let deep: unknown = "x\u0000";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(findNul(deep)).toMatch(/^(\[0\]){10000}$/);
  });

  it("quotes at most 40 characters of a value and keeps a message under 500", () => {
    const message = shortenMessage(`ID cannot represent value: "${"x".repeat(4_000_000)}"`);
    expect(message).toBe(`ID cannot represent value: "${"x".repeat(40)}…"`);
    expect(shortenMessage("y".repeat(1_000)).length).toBe(501);
    expect(shortenMessage('short "value" stays')).toBe('short "value" stays');
    const prose = `cannot leave market unit "Alone's SPU" (id): ${"it is the last member of an active unit ".repeat(2)}"x"`;
    expect(shortenMessage(prose)).toBe(prose); // a closing quote never opens a value
    expect(shortenMessage(`a "${"y".repeat(41)}" and "b"`)).toBe(`a "${"y".repeat(40)}…" and "b"`);
  });
});
