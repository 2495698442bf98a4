import { exitWith, onShutdown, parseConfig, port, z } from "@sfe/kit";
import { createNesoProductsApi } from "./server.js";

/** Runs the stand-in NESO product API on its own: `npm start -w @sfe/neso-products-registry`. */
try {
  const config = parseConfig(
    {
      PORT: port(4101),
      HOST: z.string().min(1).default("127.0.0.1"),
      NESO_PRODUCTS_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    },
    process.env,
  );
  const api = await createNesoProductsApi({ port: config.PORT, host: config.HOST, latencyMs: config.NESO_PRODUCTS_LATENCY_MS });
  console.log(`NESO product API (stand-in, ILLUSTRATIVE records) ready at ${api.url}/v1/services`);
  onShutdown(() => api.stop());
} catch (error) {
  exitWith(error);
}
