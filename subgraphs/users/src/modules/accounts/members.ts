import { badInput, type Identity, notFound, requireEmail, requireUuid, type Role } from "@sfe/kit";
import { hashPassword, randomToken, sha256 } from "../../crypto.js";
import { badInvitation } from "../../errors.js";
import { mails } from "../../mail.js";
import { CLOSED_ORGANISATION, statusAfterEmailVerification } from "./repository.js";
import { password, personName } from "./validation.js";
import { DAY, later, link, type ServiceDeps, send } from "../../services/context.js";

/** Invitations and members' roles. */
export function createMemberService(deps: ServiceDeps) {
  const { repos } = deps;

  return {
    /**
     * Mails an invitation (7 days, single use) for any role the organisation holds. An address with an account
     * gets a notice instead, and the caller the same answer.
     */
    async inviteMember(actor: Identity, input: { organisationId: string; email: string; role: Role }) {
      const organisationId = requireUuid(input.organisationId, "organisationId");
      const email = requireEmail(input.email);
      const { role } = input;
      const [organisation] = await repos.organisations.byIds([organisationId]);
      if (!organisation) throw notFound("Organisation", organisationId);
      if (CLOSED_ORGANISATION.includes(organisation.status)) throw badInput("The organisation is suspended or inactive", "organisationId");
      if (!organisation.roles.includes(role)) throw badInput(`The organisation does not hold the role ${role}`, "role");
      const token = randomToken();
      const now = deps.now();
      const invitation = await repos.invitations.create(
        {
          organisationId,
          email,
          role,
          tokenHash: sha256(token),
          invitedByUserId: actor.userId,
          expiresAt: later(now, 7 * DAY),
          createdAt: now,
        },
        actor,
      );
      const existing = await repos.users.byEmail(email);
      await send(
        deps,
        existing
          ? mails.invitationForExistingAccount(email, organisation.name)
          : mails.invitation(email, organisation.name, role, link(deps, "/accept-invitation", token)),
      );
      return { invitation };
    },

    /** Creates the invited user, e-mail verified by the click. */
    async acceptInvitation(input: { token: string; name: string; password: string }) {
      const name = personName(input.name);
      password(input.password);
      const passwordHash = await hashPassword(input.password);
      const now = deps.now();
      const result = await repos.invitations.accept(
        sha256(input.token),
        (invitation) => ({
          name,
          passwordHash,
          orgAdmin: false,
          status: statusAfterEmailVerification(invitation.role),
          emailVerifiedAt: now,
        }),
        now,
      );
      if (typeof result === "string") throw badInvitation(result);
      return { user: result };
    },

    async changeMemberRole(actor: Identity, input: { userId: string; role?: Role | null; orgAdmin?: boolean | null }) {
      if (input.role == null && input.orgAdmin == null) throw badInput("Give role, orgAdmin or both", "role");
      const result = await repos.users.changeMember(requireUuid(input.userId, "userId"), input, actor);
      switch (result) {
        case "missing":
          throw notFound("User", input.userId);
        case "role-not-held":
          throw badInput(`The organisation does not hold the role ${input.role}`, "role");
        case "last-admin":
          throw badInput("An organisation keeps at least one administrator: make someone else one first", "orgAdmin");
        default:
          return { user: result };
      }
    },
  };
}
