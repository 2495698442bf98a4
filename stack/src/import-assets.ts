/**
 * `npm run import-assets -- <file.csv> [--all-or-nothing] [--json]`: registers the assets of a CSV file
 * through the gateway's POST /assets/import (SFE_URL, default http://127.0.0.1:4000), signed in with
 * SFE_TOKEN (an access token) or SFE_API_KEY (an API key with assets:write). Prints a summary and each
 * refused row, e.g. `row 12, meterPointId: check digit (13th digit) is 4, expected 3`; --json prints the
 * report as the hub answered it instead.
 *
 * Exit status: 0 every row registered; 1 some rows refused (with --all-or-nothing: nothing registered);
 * 2 anything else (no such file, bad credentials, a malformed file, the hub unreachable).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, parseConfig, z } from "@sfe/kit";

const USAGE = "usage: npm run import-assets -- <file.csv> [--all-or-nothing] [--json]";

export const importEnv = {
  SFE_URL: z.string().url("must be the hub's URL, e.g. http://127.0.0.1:4000").default("http://127.0.0.1:4000"),
  SFE_TOKEN: z.string().min(1).optional(),
  SFE_API_KEY: z.string().min(1).optional(),
};

interface Rejection {
  row: number;
  field: string | null;
  code: string;
  message: string;
}
interface Report {
  mode: string;
  received: number;
  accepted: number;
  rejected: Rejection[];
  assetIds: string[];
}

export interface Output {
  log(line: string): void;
  error(line: string): void;
}

/** `row 12, meterPointId: check digit …` (the field is named once, whether or not the message starts with it). */
export function describeRejection({ row, field, message }: Rejection): string {
  if (!field) return `row ${row}: ${message}`;
  if (message.startsWith(`${field}:`) || message.startsWith(`${field} `)) return `row ${row}, ${message}`;
  return `row ${row}, ${field}: ${message}`;
}

/** Runs the import; resolves with the exit status. */
export async function importAssetsCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
  out: Output = console,
): Promise<number> {
  const flags = new Set(args.filter((a) => a.startsWith("-")));
  const files = args.filter((a) => !a.startsWith("-"));
  const unknown = [...flags].filter((f) => !["--all-or-nothing", "--json", "--help", "-h"].includes(f));
  if (flags.has("--help") || flags.has("-h")) {
    out.log(USAGE);
    return 0;
  }
  if (files.length !== 1 || unknown.length > 0) {
    out.error(unknown.length > 0 ? `unknown option ${unknown.join(", ")}\n${USAGE}` : USAGE);
    return 2;
  }
  const file = files[0]!;
  const mode = flags.has("--all-or-nothing") ? "all-or-nothing" : "partial";

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
  const credential: Record<string, string> | null = config.SFE_TOKEN
    ? { authorization: `Bearer ${config.SFE_TOKEN}` }
    : config.SFE_API_KEY
      ? { authorization: `ApiKey ${config.SFE_API_KEY}` }
      : null;
  if (!credential) {
    out.error("Set SFE_TOKEN (an access token) or SFE_API_KEY (an API key with assets:write)");
    return 2;
  }

  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    out.error(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }

  const base = config.SFE_URL.replace(/\/+$/, "").replace(/\/graphql$/, "");
  let status: number;
  let answer: unknown;
  try {
    const response = await fetch(`${base}/assets/import?mode=${mode}`, {
      method: "POST",
      headers: { "content-type": "text/csv", ...credential },
      body,
    });
    status = response.status;
    const text = await response.text();
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
    if (flags.has("--json")) out.log(JSON.stringify(answer, null, 2));
    else {
      const refused = answer.rejected.length;
      const outcome =
        status === 422 ? `${refused} refused: nothing registered (all-or-nothing)` : `${answer.accepted} registered, ${refused} refused`;
      out.log(`${basename(file)}: ${answer.received} rows received, ${outcome}`);
      for (const rejection of answer.rejected) out.log(describeRejection(rejection));
    }
    return status === 200 && answer.rejected.length === 0 ? 0 : 1;
  }
  const errors = (answer as { errors?: { message?: string }[] } | null)?.errors;
  const message = errors?.[0]?.message ?? (answer as { error?: string } | null)?.error ?? String(answer).slice(0, 500);
  out.error(`import refused (HTTP ${status}): ${message}`);
  return 2;
}

function isReport(value: unknown): value is Report {
  const report = value as Report | null;
  return typeof report?.received === "number" && typeof report.accepted === "number" && Array.isArray(report.rejected);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  importAssetsCli(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
