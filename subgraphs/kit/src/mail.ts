import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createTransport } from "nodemailer";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** How a subgraph sends e-mail (users: links; rules: notifications): SMTP in production, a JSON-lines outbox in development and tests. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Sends through an SMTP server, e.g. `smtps://user:pass@smtp.example.com:465`. */
export function smtpMailer(url: string, from = "SFE Hub <no-reply@sfe-hub.example>"): Mailer {
  const transport = createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
  };
}

/** Appends each mail as one JSON line to `<dir>/outbox.jsonl` (the folder is created on first use). */
export function outboxMailer(dir: string): Mailer {
  const file = join(dir, "outbox.jsonl");
  return {
    async send(mail) {
      await mkdir(dir, { recursive: true });
      await appendFile(file, `${JSON.stringify({ ...mail, sentAt: new Date().toISOString() })}\n`, "utf8");
    },
  };
}
