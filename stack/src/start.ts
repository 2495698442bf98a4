/** `npm start`: migrate, load the demo data, run every subgraph and the gateway; Ctrl-C stops it all. */
import { exitWith, onShutdown, parseConfig, port, subgraphEnv, z } from "@sfe/kit";
import { DEMO_PASSWORD, seedDemoData } from "./demo/seed.js";
import { startStack } from "./stack.js";
import { createCarRegistry, demoRegister } from "@sfe/car-registry";

try {
  const { DATABASE_URL, PGLITE_DIR, HOST } = parseConfig(subgraphEnv(4000), process.env);
  const config = parseConfig(
    {
      PORT: port(4000),
      DEMO_DATA: z.enum(["true", "false"]).default("true"),
      NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
      SFE_APOLLO_TELEMETRY: z.enum(["on", "off"]).default("off"),
    },
    process.env,
  );
  // The stand-in Central Asset Register, unless CAR_URL points at a real one.
  const car = process.env.CAR_URL
    ? null
    : await createCarRegistry({ records: demoRegister(), port: config.PORT === 0 ? 0 : 4100, host: HOST });
  const stack = await startStack({
    databaseUrl: DATABASE_URL,
    dataDir: PGLITE_DIR,
    host: HOST,
    port: config.PORT,
    seed: config.DEMO_DATA === "true" ? (db) => seedDemoData(db, { log: console.log }) : undefined,
    env: { PUBLIC_URL: `http://${HOST}:${config.PORT}`, ...(car && { CAR_URL: car.url }), ...process.env },
    log: console.log,
    gateway: { production: config.NODE_ENV === "production", apolloTelemetry: config.SFE_APOLLO_TELEMETRY === "on" },
  });
  for (const running of stack.subgraphs.values()) console.log(`  ${running.name.padEnd(13)} ${running.url}`);
  if (car) console.log(`  ${"CAR stand-in".padEnd(13)} ${car.url}/v1/assets`);
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
    await car?.stop();
  });
} catch (error) {
  exitWith(error);
}
