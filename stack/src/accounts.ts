import { randomUUID } from "node:crypto";
import type { Database } from "@sfe/kit";
import { hashPassword } from "@sfe/users/crypto";
import { organisations, users } from "@sfe/users/db";
import { eq } from "drizzle-orm";

/** The organisation hub administrators belong to. */
export const ADMINISTRATION = "SFE Hub Administration";

/**
 * Makes sure a hub administrator account exists (signed-up accounts can never claim ADMIN, so the first
 * one is created here: `npm run create-admin`, the demo data, and tests). Idempotent by e-mail: an
 * existing account is left as it is.
 */
export async function ensureAdministrator(db: Database, account: { email: string; name: string; password: string }) {
  const email = account.email.trim().toLowerCase();
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (existing) return { userId: existing.id, created: false };
  const passwordHash = await hashPassword(account.password);
  return db.transaction(async (tx) => {
    let [organisation] = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, ADMINISTRATION));
    if (!organisation) {
      [organisation] = await tx
        .insert(organisations)
        .values({ id: randomUUID(), name: ADMINISTRATION, roles: ["ADMIN"], status: "ACTIVE" })
        .returning({ id: organisations.id });
    }
    const [user] = await tx
      .insert(users)
      .values({
        organisationId: organisation!.id,
        email,
        name: account.name,
        role: "ADMIN",
        status: "ACTIVE",
        orgAdmin: true,
        passwordHash,
        emailVerifiedAt: new Date(),
      })
      .returning({ id: users.id });
    return { userId: user!.id, created: true };
  });
}
