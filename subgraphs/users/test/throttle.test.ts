import { errorCodes } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, HOUR, MINUTE, PASSWORD, SIGN_IN, type Setup, setUp } from "./helpers.js";

let t: Setup;
beforeAll(async () => {
  t = await setUp();
});
afterAll(async () => {
  await t.handle.close();
});

const STRANGER = "198.51.100.66";
const OWNER = "203.0.113.7";
const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { user { id } } }`;

const signIn = (email: string, password = PASSWORD, from: string | null = STRANGER) =>
  t.run(SIGN_IN, { input: { email, password } }, null, from);
/** The error's code and, when throttled, how long it says to wait. */
const outcome = (result: Awaited<ReturnType<typeof signIn>>) => {
  const error = result.errors?.[0];
  if (!error) return "OK";
  return error.extensions?.code === "TOO_MANY_REQUESTS" ? `WAIT ${error.extensions.retryAfterSeconds}` : String(error.extensions?.code);
};
/** The number of password checks `work` made. */
async function checksDuring(work: () => Promise<unknown>): Promise<number> {
  const before = t.passwordChecks.count;
  await work();
  return t.passwordChecks.count - before;
}
const address = (i: number) => `192.0.2.${i}`;

describe("racing sign-ins (D1)", () => {
  it("checks at most 5 of 30 concurrent wrong passwords for one e-mail from one address", async () => {
    await account(t, { email: "race@throttle.example" });
    let results: Awaited<ReturnType<typeof signIn>>[] = [];
    const checks = await checksDuring(async () => {
      results = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn("race@throttle.example", `Wrong-Guess-${i}`)));
    });
    expect(checks).toBe(5);
    const codes = results.flatMap(errorCodes);
    expect(codes.filter((code) => code === "UNAUTHENTICATED")).toHaveLength(5);
    expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(25);
  });

  it("checks at most 10 (the e-mail's free failures) of 30 concurrent wrong passwords from 30 addresses", async () => {
    const checks = await checksDuring(() =>
      Promise.all(Array.from({ length: 30 }, (_, i) => signIn("race-many@throttle.example", `Wrong-Guess-${i}`, address(i)))),
    );
    expect(checks).toBe(10);
  });
});

describe("per e-mail and address, per address, and for the e-mail only a delay (D20)", () => {
  it("locks one address out of one account after 5 failures for 15 minutes, never the owner on another address", async () => {
    await account(t, { email: "owner@throttle.example" });
    for (let i = 0; i < 5; i++) expect(outcome(await signIn("owner@throttle.example", `Wrong-Guess-${i}`))).toBe("UNAUTHENTICATED");
    t.clock.advance(MINUTE);
    // Even the right password from that address is refused, without a check.
    let refused: Awaited<ReturnType<typeof signIn>> | undefined;
    expect(await checksDuring(async () => (refused = await signIn("owner@throttle.example")))).toBe(0);
    expect(refused?.errors?.[0]).toMatchObject({
      message: "Too many failed attempts; try again in 840 seconds",
      extensions: { code: "TOO_MANY_REQUESTS", retryAfterSeconds: 14 * 60 },
    });
    // The owner, elsewhere, is not locked out.
    expect(outcome(await signIn("owner@throttle.example", PASSWORD, OWNER))).toBe("OK");
    t.clock.advance(14 * MINUTE);
    expect(outcome(await signIn("owner@throttle.example"))).toBe("OK");
  });

  it("stops an address guessing across e-mails after 50 failures, for every e-mail", async () => {
    const guesser = "198.51.100.99";
    for (let i = 0; i < 50; i++) {
      expect(outcome(await signIn(`spray-${i}@throttle.example`, "Wrong-Guess-1", guesser))).toBe("UNAUTHENTICATED");
    }
    expect(outcome(await signIn("owner@throttle.example", PASSWORD, guesser))).toBe("WAIT 900");
    expect(outcome(await signIn("spray-50@throttle.example", "Wrong-Guess-1", guesser))).toBe("WAIT 900");
    expect(outcome(await signIn("owner@throttle.example", PASSWORD, OWNER))).toBe("OK");
    t.clock.advance(15 * MINUTE);
    expect(outcome(await signIn("owner@throttle.example", PASSWORD, guesser))).toBe("OK");
  });

  it("lets strangers on many addresses only delay the owner, by at most a minute, while bounding their guesses", async () => {
    await account(t, { email: "victim@throttle.example" });
    let next = 0;
    const guess = () => signIn("victim@throttle.example", "Wrong-Guess-1", address(100 + next++));
    for (let i = 0; i < 10; i++) expect(outcome(await guess())).toBe("UNAUTHENTICATED");
    const waits: string[] = [];
    for (let i = 0; i < 9; i++) {
      const refused = outcome(await guess());
      waits.push(refused);
      t.clock.advance(Number(refused.split(" ")[1]) * 1000);
      expect(outcome(await guess())).toBe("UNAUTHENTICATED");
    }
    expect(waits).toEqual(["WAIT 1", "WAIT 2", "WAIT 4", "WAIT 8", "WAIT 16", "WAIT 32", "WAIT 60", "WAIT 60", "WAIT 60"]);
    // The owner waits the same short delay, then gets in; their success clears the e-mail's failures.
    expect(outcome(await signIn("victim@throttle.example", PASSWORD, OWNER))).toBe("WAIT 60");
    t.clock.advance(60_000);
    expect(outcome(await signIn("victim@throttle.example", PASSWORD, OWNER))).toBe("OK");
    expect(outcome(await guess())).toBe("UNAUTHENTICATED");
    t.clock.advance(HOUR);
  });

  it("throttles an unknown e-mail exactly like a registered one", async () => {
    await account(t, { email: "known@throttle.example" });
    const run = async (email: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) seen.push(outcome(await signIn(email, "Wrong-Guess-1", address(200 + (i % 2)))));
      return seen;
    };
    const known = await run("known@throttle.example");
    const unknown = await run("nobody@throttle.example");
    expect(unknown).toEqual(known);
    expect(known.slice(9)).toEqual(["UNAUTHENTICATED", "WAIT 900", "WAIT 900"]);
  });

  it("clears an address's failures on an account when it signs in", async () => {
    await account(t, { email: "forgetful@throttle.example" });
    for (let i = 0; i < 4; i++) expect(outcome(await signIn("forgetful@throttle.example", "Wrong-Guess-1"))).toBe("UNAUTHENTICATED");
    expect(outcome(await signIn("forgetful@throttle.example"))).toBe("OK");
    for (let i = 0; i < 4; i++) expect(outcome(await signIn("forgetful@throttle.example", "Wrong-Guess-1"))).toBe("UNAUTHENTICATED");
    expect(outcome(await signIn("forgetful@throttle.example"))).toBe("OK");
  });
});

describe("one password check per request", () => {
  it("answers every sign-in after the first in a request without checking a password", async () => {
    await account(t, { email: "alias@throttle.example" });
    const aliases = (first: string) =>
      Array.from({ length: 150 }, (_, i) => {
        const password = i === 0 ? first : `Wrong-Guess-${i}`;
        return `a${i}: signIn(input: { email: "alias@throttle.example", password: "${password}" }) { accessToken }`;
      }).join("\n");
    let result: Awaited<ReturnType<typeof signIn>> | undefined;
    // The first alias signs in; the second is refused without a check (and, a non-null field, ends the request).
    expect(await checksDuring(async () => (result = await t.run(`mutation { ${aliases(PASSWORD)} }`, {}, null, OWNER)))).toBe(1);
    expect(result!.errors).toEqual([
      {
        message: "One sign-in or password change per request: send each in a request of its own",
        path: ["a1"],
        locations: expect.any(Array),
        extensions: { code: "BAD_USER_INPUT", reason: "ONE_PER_REQUEST" },
      },
    ]);
    expect(await checksDuring(() => t.run(`mutation { ${aliases("Wrong-Guess-0")} }`, {}, null, OWNER))).toBe(1);

    const mixed = await t.run(
      `mutation { a: signIn(input: { email: "alias@throttle.example", password: "${PASSWORD}" }) { accessToken }
                  b: signInWithIdToken(idToken: "x.y.z") { accessToken } }`,
      {},
      null,
      OWNER,
    );
    expect(mixed.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([["b", "BAD_USER_INPUT"]]);
  });
});

describe("changing the password is throttled too", () => {
  it("counts a wrong current password per user and address, with sign-in, and refuses the sixth without a check", async () => {
    const kim = await account(t, { email: "kim@throttle.example" });
    const change = (currentPassword: string, from = STRANGER) =>
      t.run(CHANGE_PASSWORD, { input: { currentPassword, newPassword: "Brand-New-Pass-7" } }, kim.identity, from);
    for (let i = 0; i < 5; i++) {
      expect((await change(`Wrong-Guess-${i}`)).errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "currentPassword" });
    }
    let refused: Awaited<ReturnType<typeof change>> | undefined;
    expect(await checksDuring(async () => (refused = await change(PASSWORD)))).toBe(0);
    expect(refused?.errors?.[0]?.extensions).toEqual({ code: "TOO_MANY_REQUESTS", retryAfterSeconds: 900 });
    // The same budget as signing in to the account from that address.
    expect(outcome(await signIn("kim@throttle.example", PASSWORD, STRANGER))).toBe("WAIT 900");
    // From elsewhere the owner can still change it.
    expect((await change(PASSWORD, OWNER)).errors).toBeUndefined();
  });

  it("checks the new password's strength before spending a check on the current one", async () => {
    const lee = await account(t, { email: "lee@throttle.example" });
    const weak = await checksDuring(async () => {
      const result = await t.run(CHANGE_PASSWORD, { input: { currentPassword: "whatever", newPassword: "short" } }, lee.identity, OWNER);
      expect(result.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "newPassword" });
    });
    expect(weak).toBe(0);
  });
});
