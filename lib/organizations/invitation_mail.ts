/**
 * The mail an organization invitation sends (en or id): who invites to what, and the app's link, to which
 * Astapa adds `invitation=<token>`; the app starts its sign-in with it (docs/organizations.md).
 */
import { escapeHtml as escape, mailDocument, WRAPPING } from "@/lib/mail/layout.ts";
import { ownMailTexts } from "@/lib/mail/own_texts.ts";

export type InvitationMail = { to: string; template: string; subject: string; text: string; html: string };

const WORDING = {
  en: (org: string, app: string, days: number) => ({
    subject: `You are invited to join ${org} on ${app}`,
    intro: `You are invited to join ${org} on ${app}. Accept by opening this link:`,
    note:
      `The invitation works for ${days} day${days === 1 ? "" : "s"}. Sign in or sign up with this email ` +
      "address to accept it. If you did not expect it, ignore this message.",
    action: "Accept the invitation",
    greeting: "Hello,",
  }),
  id: (org: string, app: string, days: number) => ({
    subject: `Anda diundang bergabung dengan ${org} di ${app}`,
    intro: `Anda diundang bergabung dengan ${org} di ${app}. Terima dengan membuka tautan ini:`,
    note: `Undangan berlaku ${days} hari. Masuk atau daftar dengan alamat email ini untuk menerimanya. ` +
      "Jika Anda tidak mengharapkannya, abaikan email ini.",
    action: "Terima undangan",
    greeting: "Halo,",
  }),
};

/** The app's accept URL with the invitation token added. */
export function invitationLink(acceptUrl: string, token: string): string {
  const url = new URL(acceptUrl);
  url.searchParams.set("invitation", token);
  return url.toString();
}

/**
 * The invitation in `lang`; `names.settings` (the project's) may give its own subject, intro and closing line
 * (settings.mail_texts): the link and the note on how long it works stay Astapa's.
 */
export function invitationMail(
  lang: "en" | "id",
  to: string,
  names: { organization: string; app: string; settings?: Record<string, unknown> },
  link: string,
  ttlSeconds: number,
): InvitationMail {
  const days = Math.max(1, Math.round(ttlSeconds / 86400));
  const { closing, ...own } = ownMailTexts(names.settings, "organization_invitation", lang, {
    app: names.app,
    organization: names.organization,
    days,
  });
  const w = { ...WORDING[lang](names.organization, names.app, days), ...own };
  const text = `${w.greeting}\n\n${w.intro}\n\n${link}\n\n${w.note}\n` + (closing ? `\n${closing}\n` : "");
  const html = mailDocument(
    lang,
    `<p>${escape(w.greeting)}</p><p>${escape(w.intro)}</p>` +
      `<p><a href="${
        escape(link)
      }" style="background:#0b6e4f;color:#fff;padding:10px 16px;border-radius:6px;` +
      `text-decoration:none;display:inline-block">${escape(w.action)}</a></p>` +
      `<p style="color:#5d6068;font-size:13px;${WRAPPING}">${escape(link)}</p><p>${escape(w.note)}</p>` +
      (closing ? `<p>${escape(closing)}</p>` : ""),
  );
  return { to, template: "organization_invitation", subject: w.subject, text, html };
}
