import { badInput, conflict, type Identity, notFound, requireEmail, requireUuid, type Role } from "@sfe/kit";
import { hashPassword, randomToken, sha256 } from "../../crypto.js";
import { badVerificationLink } from "../../errors.js";
import { mails } from "../../mail.js";
import type { NewOrganisation } from "../organisations/repository.js";
import { companyNumber, organisationName } from "../organisations/validation.js";
import { claimedRole, password, personName } from "./validation.js";
import { DAY, later, link, type ServiceDeps, send } from "../../services/context.js";

const CHECK_INBOX = "If this address can be used, a link to confirm it is on its way: open it within 24 hours";
const RESENT = "If this address is waiting for confirmation, a new link is on its way";

/** Sign-up, e-mail verification and SO verification (§7.1). */
export function createAccountService(deps: ServiceDeps) {
  const { repos } = deps;

  async function newVerificationToken() {
    const token = randomToken();
    return { token, record: { tokenHash: sha256(token), expiresAt: later(deps.now(), DAY) } };
  }

  return {
    /**
     * Creates the user (and, if asked, the organisation) and mails a verification link. An e-mail registered
     * already gets a warning mail instead, and the caller the same answer: sign-up never reveals an account.
     */
    async signUp(input: {
      email: string;
      name: string;
      password: string;
      role: Role;
      newOrganisation: { name: string; companyNumber?: string | null };
    }) {
      const email = requireEmail(input.email);
      const name = personName(input.name);
      password(input.password);
      const role = claimedRole(input.role);
      // Joining an existing organisation is by its admin's invitation only (domain §7.1 step 5): a
      // stranger must never acquire an organisation's roles by knowing its id.
      const number = companyNumber(input.newOrganisation.companyNumber);
      const organisation: NewOrganisation = {
        name: organisationName(input.newOrganisation.name),
        companyNumber: number,
        roles: [role],
        status: "PENDING_VERIFICATION",
      };
      if (number && (await repos.organisations.byCompanyNumber(number))) {
        throw conflict("An organisation with this company number is registered already: ask its administrator to invite you", {
          constraint: "organisations_company_number_unique",
        });
      }
      const passwordHash = await hashPassword(input.password);
      const { token, record } = await newVerificationToken();
      const result = await repos.users.signUp({
        organisation,
        user: { email, name, role, passwordHash, orgAdmin: true, status: "PENDING_EMAIL_VERIFICATION" },
        verification: record,
        now: deps.now(),
      });
      if (result === "email-taken") await send(deps, mails.alreadyRegistered(email));
      else await send(deps, mails.verifyEmail(email, name, link(deps, "/verify-email", token)));
      return { email, message: CHECK_INBOX };
    },

    async verifyEmail(token: string) {
      const result = await repos.users.verifyEmail(sha256(token), deps.now());
      if (typeof result === "string") throw badVerificationLink(result);
      return { user: result };
    },

    /** Mails a new link when the address waits for confirmation; the same answer in every case. */
    async resendVerification(rawEmail: string) {
      const email = requireEmail(rawEmail);
      const found = await repos.users.byEmail(email);
      if (found?.user.status === "PENDING_EMAIL_VERIFICATION") {
        const { token, record } = await newVerificationToken();
        await repos.users.addVerification(found.user.id, record, deps.now());
        await send(deps, mails.verifyEmail(email, found.user.name, link(deps, "/verify-email", token)));
      }
      return { message: RESENT };
    },

    async verifySystemOperator(userId: string, actor: Identity) {
      const result = await repos.users.verifySystemOperator(requireUuid(userId, "userId"), actor);
      switch (result) {
        case "missing":
          throw notFound("User", userId);
        case "not-so":
          throw badInput("The user did not claim SYSTEM_OPERATOR for an organisation holding that role", "userId");
        default:
          return { user: result.user };
      }
    },
  };
}
