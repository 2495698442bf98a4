import { exitWith, onShutdown, parseConfig, port, z } from "@sfe/kit";
import { demoRegister } from "./data.js";
import { createCarRegistry } from "./server.js";

/** Runs the stand-in Central Asset Register on its own: `npm start -w @sfe/car-registry`. */
try {
  const config = parseConfig(
    {
      PORT: port(4100),
      HOST: z.string().min(1).default("127.0.0.1"),
      CAR_RECORDS: z.coerce.number().int().min(0).max(1_000_000).default(300),
      CAR_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    },
    process.env,
  );
  const registry = await createCarRegistry({
    port: config.PORT,
    host: config.HOST,
    records: demoRegister(config.CAR_RECORDS),
    latencyMs: config.CAR_LATENCY_MS,
  });
  console.log(`Central Asset Register (stand-in, ${config.CAR_RECORDS} ILLUSTRATIVE records) ready at ${registry.url}`);
  onShutdown(() => registry.stop());
} catch (error) {
  exitWith(error);
}
