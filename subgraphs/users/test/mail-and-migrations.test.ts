import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateSubgraph, staticReferences } from "@sfe/kit";
import { as, createTestDatabase, orgs } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { outboxMailer, usersModule } from "../src/server.js";

const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sfe-users-"));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe("the outbox mailer", () => {
  it("creates its folder and appends one JSON line per mail", async () => {
    const dir = join(tempDir(), "nested", "outbox");
    const mailer = outboxMailer(dir);
    await mailer.send({ to: "a@example.com", subject: "One", text: "first\nline" });
    await mailer.send({ to: "b@example.com", subject: "Two", text: "second" });
    const lines = readFileSync(join(dir, "outbox.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { to: "a@example.com", subject: "One", text: "first\nline", sentAt: expect.any(String) },
      { to: "b@example.com", subject: "Two", text: "second", sentAt: expect.any(String) },
    ]);
  });
});

describe("the module", () => {
  it("builds from the kit's SubgraphDeps alone", async () => {
    const handle = await createTestDatabase();
    try {
      const subgraph = usersModule.create({ db: handle.db, references: staticReferences({}) });
      expect(subgraph.name).toBe("users");
      expect(subgraph.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
        "GET /.well-known/jwks.json",
        "POST /internal/api-keys/verify",
        "POST /internal/sessions/verify",
        "POST /internal/users/contacts",
      ]);
    } finally {
      await handle.close();
    }
  });
});

describe("the identity migration", () => {
  it("gives audit events written before it the organisation they concern", async () => {
    const handle = await createTestDatabase();
    try {
      const before = tempDir();
      cpSync(usersModule.migrationsFolder, before, { recursive: true });
      const journal = JSON.parse(readFileSync(join(before, "meta/_journal.json"), "utf8"));
      journal.entries = journal.entries.slice(0, 1);
      writeFileSync(join(before, "meta/_journal.json"), JSON.stringify(journal));
      await migrateSubgraph(handle, "users", before);

      const org = orgs.fspA;
      const user = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";
      const actor = as.admin;
      await handle.exec(`
        insert into users.organisations (id, name, roles) values ('${org}', 'Old Org', '{FSP}');
        insert into users.users (id, organisation_id, email, name, role) values ('${user}', '${org}', 'old@example.com', 'Old', 'FSP');
        insert into users.audit_events (actor_user_id, action, entity_type, entity_id) values
          ('${actor.userId}', 'CREATE', 'Organisation', '${org}'),
          ('${actor.userId}', 'CREATE', 'User', '${user}'),
          ('${actor.userId}', 'CREATE', 'Something', 'not-a-uuid');`);

      await migrateSubgraph(handle, "users", usersModule.migrationsFolder);
      const result = (await handle.db.execute(
        sql`select entity_type, organisation_id from users.audit_events order by entity_type`,
      )) as unknown;
      const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
      expect(rows).toEqual([
        { entity_type: "Organisation", organisation_id: org },
        { entity_type: "Something", organisation_id: null },
        { entity_type: "User", organisation_id: org },
      ]);
    } finally {
      await handle.close();
    }
  });
});
