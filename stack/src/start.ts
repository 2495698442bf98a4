/** `npm start`: migrate, load the demo data, run every subgraph and the gateway; Ctrl-C stops it all. */
import { extraSubgraphSettings, extraSubgraphsOf } from "@sfe/gateway/config";
import { exitWith, onShutdown, parseConfig, port, subgraphEnv, z } from "@sfe/kit";
import { DEMO_PASSWORD, DEMO_SO_IDS, seedDemoData } from "./demo/seed.js";
import { startStack } from "./stack.js";
import { createCarRegistry, demoRegister } from "@sfe/car-registry";
import { createDsoProductsApi } from "@sfe/dso-products-registry";
import { createNesoProductsApi } from "@sfe/neso-products-registry";

try {
  const { DATABASE_URL, PGLITE_DIR, HOST } = parseConfig(subgraphEnv(4000), process.env);
  const config = parseConfig(
    {
      PORT: port(4000),
      DEMO_DATA: z.enum(["true", "false"]).default("true"),
      NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
      SFE_APOLLO_TELEMETRY: z.enum(["on", "off"]).default("off"),
      // Extra subgraphs, as the standalone gateway reads them (gateway/src/index.ts).
      ...extraSubgraphSettings,
      // The example SO subgraph (registries/so-subgraph), composed as so_example; its port (default 4200, free when PORT=0).
      SO_SUBGRAPH_EXAMPLE: z.enum(["true", "false"]).default("false"),
      SO_SUBGRAPH_PORT: port(4200),
    },
    process.env,
  );
  // The stand-in Central Asset Register, unless CAR_URL points at a real one.
  const car = process.env.CAR_URL
    ? null
    : await createCarRegistry({ records: demoRegister(), port: config.PORT === 0 ? 0 : 4100, host: HOST });
  // The stand-in SO product APIs for the demo's NESO and UKPN, unless SO_PRODUCT_APIS names real ones.
  const soApis =
    process.env.SO_PRODUCT_APIS || config.DEMO_DATA !== "true"
      ? null
      : await Promise.all([
          createNesoProductsApi({ port: config.PORT === 0 ? 0 : 4101, host: HOST }),
          createDsoProductsApi({ port: config.PORT === 0 ? 0 : 4102, host: HOST }),
        ]);
  const soProductApis = soApis && [
    { name: "neso-products", kind: "neso", operatorId: DEMO_SO_IDS.neso, url: soApis[0].url },
    { name: "ukpn-products", kind: "dso", operatorId: DEMO_SO_IDS.ukpn, url: soApis[1].url },
  ];
  // Read at start and at each poll, like the standalone gateway; the example joins once it is up.
  const example: { name: string; url: string }[] = [];
  const extraSubgraphs = () => [...extraSubgraphsOf(config), ...example];
  extraSubgraphs(); // a malformed list stops start-up here, naming the entry
  const stack = await startStack({
    databaseUrl: DATABASE_URL,
    dataDir: PGLITE_DIR,
    host: HOST,
    port: config.PORT,
    seed: config.DEMO_DATA === "true" ? (db) => seedDemoData(db, { log: console.log }) : undefined,
    env: {
      PUBLIC_URL: `http://${HOST}:${config.PORT}`,
      ...(car && { CAR_URL: car.url }),
      ...(soProductApis && { SO_PRODUCT_APIS: JSON.stringify(soProductApis) }),
      ...process.env,
    },
    log: console.log,
    gateway: {
      production: config.NODE_ENV === "production",
      apolloTelemetry: config.SFE_APOLLO_TELEMETRY === "on",
      extraSubgraphs,
      pollIntervalMs: config.POLL_INTERVAL_MS,
    },
  });
  // Started after the gateway, whose JWKS it verifies identity tokens against, then composed at once.
  const soExample =
    config.SO_SUBGRAPH_EXAMPLE === "true"
      ? await (await import("@sfe/so-subgraph")).createSoSubgraph({
          name: "so_example",
          port: config.PORT === 0 ? 0 : config.SO_SUBGRAPH_PORT,
          host: HOST,
          jwks: new URL("/.well-known/jwks.json", stack.url),
        })
      : null;
  if (soExample) {
    example.push({ name: soExample.name, url: soExample.url });
    const composed = await stack.gateway.supergraph.refresh();
    if (!composed.ok) console.log(composed.error);
  }
  for (const running of stack.subgraphs.values()) console.log(`  ${running.name.padEnd(13)} ${running.url}`);
  if (car) console.log(`  ${"CAR stand-in".padEnd(13)} ${car.url}/v1/assets`);
  if (soApis) {
    console.log(`  ${"NESO products".padEnd(13)} ${soApis[0].url}/v1/services (stand-in SO product API)`);
    console.log(`  ${"UKPN products".padEnd(13)} ${soApis[1].url}/api/v2/flexibility-products (stand-in SO product API)`);
  }
  for (const extra of extraSubgraphs()) console.log(`  ${extra.name.padEnd(13)} ${extra.url} (extra subgraph)`);
  const demo = config.DEMO_DATA === "true";
  console.log(`
SFE Hub is running: ${stack.url}
${
  demo
    ? `Sign in as a demo account (password ${DEMO_PASSWORD}): louis@newflex.example (FSP), ed@neso.example (SO),
emma@greenbank.example (investor), rita@regulator.example (regulator), tom@platform.example (platform),
admin@sfe-hub.example (administrator). For example:
  TOKEN=$(curl -s ${stack.url} -H 'content-type: application/json' \\
    -d '{"query":"mutation { signIn(input: { email: \\"louis@newflex.example\\", password: \\"${DEMO_PASSWORD}\\" }) { accessToken } }"}' \\
    | sed -E 's/.*"accessToken":"([^"]+)".*/\\1/')
  curl -s ${stack.url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '{"query":"{ me { name } assets { name category { label } owner { name } awards { awardedMw product { name } } } }"}'`
    : "No demo data (DEMO_DATA=false): create the first administrator with npm run create-admin."
}
Ctrl-C stops everything.`);
  onShutdown(async () => {
    await stack.stop();
    await soExample?.stop();
    await car?.stop();
    await Promise.all((soApis ?? []).map((api) => api.stop()));
  });
} catch (error) {
  exitWith(error);
}
