export { type Mail, type Mailer, outboxMailer, smtpMailer } from "@sfe/kit";
import type { Mail } from "@sfe/kit";

/** The mails the subgraph sends. Links carry the token; nothing else ever does. */
export const mails = {
  verifyEmail: (to: string, name: string, link: string): Mail => ({
    to,
    subject: "Confirm your e-mail address for SFE Hub",
    text: `Hello ${name},\n\nPlease confirm your e-mail address by opening this link within 24 hours:\n\n${link}\n\nIf you did not sign up for SFE Hub, ignore this mail.\n`,
  }),
  alreadyRegistered: (to: string): Mail => ({
    to,
    subject: "Someone tried to register with your e-mail address on SFE Hub",
    text: `Hello,\n\nSomeone (perhaps you) tried to sign up to SFE Hub with this e-mail address, which already has an account.\nNo new account was created. If it was you, sign in instead.\nIf it was not you, you can ignore this mail.\n`,
  }),
  invitation: (to: string, organisation: string, role: string, link: string): Mail => ({
    to,
    subject: `You are invited to join ${organisation} on SFE Hub`,
    text: `Hello,\n\nYou are invited to join ${organisation} on SFE Hub as ${role}. Accept within 7 days:\n\n${link}\n\nIf you did not expect this, ignore this mail.\n`,
  }),
  invitationForExistingAccount: (to: string, organisation: string): Mail => ({
    to,
    subject: `You were invited to join ${organisation} on SFE Hub`,
    text: `Hello,\n\nYou were invited to join ${organisation} on SFE Hub, but this e-mail address already has an account,\nand an account belongs to one organisation. Ask ${organisation} to invite another address, or contact the hub administrators.\n`,
  }),
};
