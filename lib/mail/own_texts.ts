/**
 * A project's own wording of the mail Astapa sends its people (settings.mail_texts): per kind and language, a
 * subject, an intro and a closing line, each one line of plain text with a few placeholders (`{app}`, `{code}`…)
 * replaced by plain substitution — no template engine, nothing that runs. The mail's link or code, its security
 * note ("if you did not ask…") and what a notice lists stay Astapa's. SQL validates what is saved against the same
 * registry (astapa.mail_text_kinds() in db/api/projects.sql; tests/sql/mail_texts_test.ts proves they agree).
 */
import { z } from "zod";

/** Every mail a project may word itself: what it is, and the placeholders its texts may use. */
export const MAIL_TEXT_KINDS = {
  verify_email: { about: "Email confirmation link after sign-up", placeholders: ["app"] },
  reset_password: { about: "Password reset link", placeholders: ["app"] },
  email_code: { about: "Sign-in code and magic link", placeholders: ["app", "code"] },
  passkey_sign_up: {
    about: "Code that proves the address on a passkey sign-up",
    placeholders: ["app", "code"],
  },
  account_claimed: {
    about: "Notice that an unconfirmed account was claimed by its address",
    placeholders: ["app"],
  },
  recovery_code_used: { about: "A recovery code signed someone in", placeholders: ["app", "remaining"] },
  mfa_removed: {
    about: "An administrator removed the person's two-step verification",
    placeholders: ["app"],
  },
  recovery_codes_regenerated: { about: "New recovery codes were made", placeholders: ["app"] },
  own_mfa_removed: { about: "The person removed their own authenticator app", placeholders: ["app"] },
  passkey_removed: { about: "The person removed one of their passkeys", placeholders: ["app", "passkey"] },
  passkey_removed_by_admin: { about: "An administrator removed a passkey", placeholders: ["app", "passkey"] },
  organization_invitation: {
    about: "Invitation to join an organization",
    placeholders: ["app", "organization", "days"],
  },
  waitlist_approved: { about: "Waitlist approval: the person may now sign up", placeholders: ["app"] },
  email_change: { about: "Link confirming a new email address (account page)", placeholders: ["app"] },
  email_changed: { about: "Notice to the old address once the email changed", placeholders: ["app"] },
  password_changed: { about: "The password was changed or set", placeholders: ["app"] },
  identity_unlinked: {
    about: "A Google, GitHub, Apple or Microsoft sign-in was removed",
    placeholders: ["app", "provider"],
  },
  account_deleted: { about: "The account was deleted at the person's request", placeholders: ["app"] },
  // Billing mails go in English and Indonesian in one mail: each language's texts word its half.
  renewal_due: {
    about: "Renewal notice with the next period's pay link (both languages in one mail)",
    placeholders: ["app", "plan", "amount", "date"],
  },
  trial_ending: {
    about: "Trial reminder with the pay link that keeps the plan (both languages in one mail)",
    placeholders: ["app", "plan", "amount", "date"],
  },
  organization_renewal_due: {
    about: "A team plan's renewal notice to its owners and admins (both languages in one mail)",
    placeholders: ["app", "plan", "organization", "seats", "amount", "date"],
  },
  receipt: {
    about: "Receipt after a payment, with its amounts and PPN (both languages in one mail)",
    placeholders: ["app", "plan", "number", "amount"],
  },
} as const satisfies Record<string, { about: string; placeholders: readonly string[] }>;

export type MailTextKind = keyof typeof MAIL_TEXT_KINDS;
export const MAIL_TEXT_LANGS = ["en", "id"] as const;
export const MAIL_TEXT_PARTS = ["subject", "intro", "closing"] as const;
export type MailTextPart = typeof MAIL_TEXT_PARTS[number];
/** The longest text SQL accepts per part, in characters. */
export const MAIL_TEXT_LIMITS: Record<MailTextPart, number> = { subject: 150, intro: 300, closing: 300 };

/** The values a kind's placeholders stand for (`app` always; the others where the kind has them). */
export type MailTextValues = { app: string } & Record<string, string | number>;

const OwnParts = z.object({ subject: z.string(), intro: z.string(), closing: z.string() }).partial();
const Own = z.record(z.string(), z.record(z.string(), OwnParts));

/**
 * `{name}` replaced by its value as plain text (escaping is the HTML part's job). A value never brings a line
 * break into the mail's own lines (a subject is a header); an unknown placeholder — SQL refuses it — stays as
 * written.
 */
export function fillPlaceholders(text: string, values: MailTextValues): string {
  return text.replace(
    /\{([a-z_]+)\}/g,
    (whole, name: string) =>
      Object.hasOwn(values, name) ? String(values[name]).replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ") : whole,
  );
}

/**
 * The project's own subject, intro and closing for this kind and language, placeholders filled; each part
 * absent where the project keeps Astapa's. `settings` is the project's (validated by SQL when saved).
 */
export function ownMailTexts(
  settings: Record<string, unknown> | undefined,
  kind: MailTextKind,
  lang: "en" | "id",
  values: MailTextValues,
): Partial<Record<MailTextPart, string>> {
  const parsed = Own.safeParse(settings?.mail_texts ?? {});
  const own: z.infer<typeof OwnParts> = (parsed.success ? parsed.data[kind]?.[lang] : undefined) ?? {};
  const filled: Partial<Record<MailTextPart, string>> = {};
  for (const part of MAIL_TEXT_PARTS) {
    const text = own[part];
    if (text) filled[part] = fillPlaceholders(text, values);
  }
  return filled;
}
