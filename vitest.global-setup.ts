import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { prepareTemplates, templateDir } from "@sfe/kit/testing";
import { SUBGRAPH_MODULES } from "@sfe/stack/modules";

/**
 * Migrates once per run, before any test file starts, the templates most files copy (kit/testing
 * `createMigratedDatabase`): every subgraph (the e2e stacks) and each subgraph alone (its own tests). Other
 * combinations are built the first time a file asks. Unchanged migrations reuse the last run's templates.
 */
export default async function setup() {
  const current = await prepareTemplates([SUBGRAPH_MODULES, ...SUBGRAPH_MODULES.map((module) => [module])]);
  if (current.length === 0) return; // on Postgres the templates are databases on the server
  // Other dumps (40 MB each) go once a day old: older migrations' ones, or a combination rebuilt in a second.
  const keep = new Set(current.map((key) => `${key}.tar`));
  const dir = templateDir();
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    if (!keep.has(file) && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { force: true });
  }
}
