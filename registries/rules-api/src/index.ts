import { exitWith, onShutdown, parseConfig, port, z } from "@sfe/kit";
import { createRulesApi } from "./server.js";

/** Runs the stand-in SO rules API on its own (no rules): `npm start -w @sfe/rules-api-registry`. */
try {
  const config = parseConfig({ PORT: port(4103), HOST: z.string().min(1).default("127.0.0.1") }, process.env);
  const api = await createRulesApi({ port: config.PORT, host: config.HOST });
  console.log(`SO rules API (stand-in) ready at ${api.url}/v1/rules`);
  onShutdown(() => api.stop());
} catch (error) {
  exitWith(error);
}
