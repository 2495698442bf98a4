/**
 * `npm run bench`, part 3: what the signed identity costs per subgraph request. The gateway signs one
 * token per (caller, subgraph) and reuses it for half its 60-second life; a subgraph verifies a token
 * once and remembers it. Measured here against the real alternative, signing and verifying afresh for
 * every request, in one run. Timings are printed, never asserted.
 */
import { createIdentitySigner, createIdentityVerifier, generateIdentityKeyPem, IDENTITY_HEADER, loadIdentityKey } from "@sfe/kit";
import { testIdentity } from "@sfe/kit/testing";
import { createLocalJWKSet, jwtVerify } from "jose";

const REQUESTS = Number(process.env.BENCH_IDENTITY_REQUESTS ?? 5_000);
const key = loadIdentityKey(generateIdentityKeyPem());
const caller = testIdentity({ roles: ["FSP"] });

async function perRequestMicros(work: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await work(i); // warm-up
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) await work(i);
  return ((performance.now() - start) * 1000) / REQUESTS;
}

const cachedSigner = createIdentitySigner(key);
const signCached = await perRequestMicros(() => cachedSigner.sign("assets", caller));
// A fresh signer each time is signing afresh: what a per-request token would cost.
const signFresh = await perRequestMicros(() => createIdentitySigner(key).sign("assets", caller));

const token = await cachedSigner.sign("assets", caller);
const cachedVerifier = createIdentityVerifier({ audience: "assets", jwks: key.jwks });
const verifyCached = await perRequestMicros(() => cachedVerifier.verify({ [IDENTITY_HEADER]: token }));
// Verifying every request's token with the same key set, nothing remembered.
const keySet = createLocalJWKSet(key.jwks);
const verifyFresh = await perRequestMicros(() =>
  jwtVerify(token, keySet, { issuer: "sfe-gateway", audience: "assets", algorithms: ["ES256"] }),
);

console.log(`\nidentity tokens (ES256), µs per subgraph request, ${REQUESTS} requests each\n`);
console.log("             cached   afresh   ratio");
console.log(`sign      ${signCached.toFixed(2).padStart(8)} ${signFresh.toFixed(2).padStart(8)}   ×${(signFresh / signCached).toFixed(0)}`);
console.log(
  `verify    ${verifyCached.toFixed(2).padStart(8)} ${verifyFresh.toFixed(2).padStart(8)}   ×${(verifyFresh / verifyCached).toFixed(0)}`,
);
