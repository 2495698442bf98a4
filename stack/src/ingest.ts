/**
 * `npm run ingest -- <entity> <file> [--source=…] [--adapter=…] [--format=csv|ndjson] [--all-or-nothing]
 *  [--param=name=value …] [--json]`: streams a file (never read whole) to the gateway's POST /ingest/<entity>
 * (any of INGEST_ENTITIES) at SFE_URL (default http://127.0.0.1:4000), signed in with SFE_TOKEN (an
 * access token) or SFE_API_KEY (an API key with transactions:write). `--param` passes an adapter's option, e.g.
 * `--param=productId=<id>` for a UKPN export, `--param=product.DC_LF=<id>` for NESO DC masterdata. Prints the counts and each rejected row
 * (`row 12, importKwh [NEGATIVE_QUANTITY]: …`); --json prints the report as the hub answered it.
 *
 * Exit status (as import-assets): 0 every row taken; 1 some rows rejected (with --all-or-nothing: nothing written);
 * 2 anything else (no such file, bad credentials or settings, a malformed file, the hub unreachable).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, parseConfig, type z } from "@sfe/kit";
import { request } from "undici";
import { importEnv, type Output } from "./import-assets.js";

/** What POST /ingest/<entity> takes (the transactions subgraph's ENTITY_SPECS paths) and each one's adapters. */
export const INGEST_ENTITIES: Readonly<Record<string, string>> = {
  "meter-readings": "generic",
  "dispatch-instructions": "ukpn-dispatches",
  bids: "neso-dc-masterdata",
  awards: "neso-dc-masterdata",
  "clearing-results": "generic",
  "availability-declarations": "generic",
  "unavailability-notices": "generic",
};

const USAGE =
  `usage: npm run ingest -- <${Object.keys(INGEST_ENTITIES).join("|")}> <file> [--source=NAME] [--adapter=NAME] ` +
  "[--format=csv|ndjson] [--all-or-nothing] [--param=NAME=VALUE …] [--json]";

interface RowError {
  row: number;
  field: string;
  code: string;
  reason: string;
  message: string;
}
interface Report {
  batchId: string;
  status: string;
  rows: number;
  inserted: number;
  updated: number;
  repeats: number;
  duplicates: number;
  /** Rows holding nothing of the entity (absent from hubs before it was reported). */
  skipped?: number;
  rejected: number;
  rejections: RowError[];
}

const isReport = (value: unknown): value is Report =>
  typeof (value as Report | null)?.rows === "number" && Array.isArray((value as Report).rejections);

/** Runs the ingest; resolves with the exit status. */
export async function ingestCli(args: readonly string[], env: Record<string, string | undefined>, out: Output = console): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    out.log(USAGE);
    return 0;
  }
  const positional = args.filter((a) => !a.startsWith("--"));
  const options = args.filter((a) => a.startsWith("--"));
  const query = new URLSearchParams();
  let json = false;
  for (const option of options) {
    const [name, ...rest] = option.slice(2).split("=");
    const value = rest.join("=");
    if (name === "json" && !value) json = true;
    else if (name === "all-or-nothing" && !value) query.set("mode", "all-or-nothing");
    else if ((name === "source" || name === "adapter" || name === "format") && value) query.set(name, value);
    else if (name === "param" && value.includes("=")) {
      const [key, ...v] = value.split("=");
      query.set(key!, v.join("="));
    } else {
      out.error(`unknown or incomplete option ${option}\n${USAGE}`);
      return 2;
    }
  }
  if (positional.length !== 2) {
    out.error(USAGE);
    return 2;
  }
  const [entity, file] = positional as [string, string];
  if (!(entity in INGEST_ENTITIES)) {
    out.error(`nothing to ingest as ${entity}\n${USAGE}`);
    return 2;
  }
  if (!query.has("format") && file.endsWith(".ndjson")) query.set("format", "ndjson");
  query.set("fileName", basename(file));

  let config: z.infer<z.ZodObject<typeof importEnv>>;
  try {
    config = parseConfig(importEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      out.error(error.message);
      return 2;
    }
    throw error;
  }
  const credential = config.SFE_TOKEN ? `Bearer ${config.SFE_TOKEN}` : config.SFE_API_KEY ? `ApiKey ${config.SFE_API_KEY}` : null;
  if (!credential) {
    out.error("Set SFE_TOKEN (an access token) or SFE_API_KEY (an API key with transactions:write)");
    return 2;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error("not a file");
  } catch (error) {
    out.error(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }

  const base = config.SFE_URL.replace(/\/+$/, "").replace(/\/graphql$/, "");
  let status: number;
  let answer: unknown;
  try {
    const response = await request(`${base}/ingest/${encodeURIComponent(entity)}?${query}`, {
      method: "POST",
      headers: { "content-type": query.get("format") === "ndjson" ? "application/x-ndjson" : "text/csv", authorization: credential },
      body: createReadStream(file),
      headersTimeout: 3_600_000,
      bodyTimeout: 3_600_000,
    });
    status = response.statusCode;
    const text = await response.body.text();
    try {
      answer = JSON.parse(text);
    } catch {
      answer = text;
    }
  } catch (error) {
    out.error(`cannot reach the hub at ${base}: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`);
    return 2;
  }

  if ((status === 200 || status === 422) && isReport(answer)) {
    if (json) out.log(JSON.stringify(answer, null, 2));
    else {
      const outcome =
        status === 422
          ? `${answer.rejected} rejected: nothing written (all-or-nothing)`
          : `${answer.inserted} inserted, ${answer.updated} updated, ${answer.repeats} already held, ` +
            `${answer.skipped ? `${answer.skipped} skipped, ` : ""}${answer.rejected} rejected`;
      out.log(`${basename(file)}: ${answer.rows} rows read, ${outcome} (batch ${answer.batchId})`);
      for (const r of answer.rejections)
        out.log(`row ${r.row}, ${r.field || "-"} [${r.reason}${r.code === "BAD_USER_INPUT" ? "" : `, ${r.code}`}]: ${r.message}`);
      if (answer.rejected > answer.rejections.length) out.log(`… and ${answer.rejected - answer.rejections.length} more rejected rows`);
    }
    return status === 200 && answer.rejected === 0 ? 0 : 1;
  }
  const errors = (answer as { errors?: { message?: string }[] } | null)?.errors;
  const message = errors?.[0]?.message ?? String(answer).slice(0, 500);
  out.error(`ingest refused (HTTP ${status}): ${message}`);
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ingestCli(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
