/** The mail the hosted login sends, in the person's language: plain text and HTML, no tracking or remote images. */
import type { Lang } from "./i18n.ts";

export type Mail = { subject: string; body: string; html: string; kind: string };

type Wording = { subject: string; intro: string; note: string; action: string };

const GREETING: Record<Lang, string> = { en: "Hello,", id: "Halo," };
const BY_OPENING: Record<Lang, string> = { en: "by opening this link:", id: "dengan membuka tautan ini:" };

const WORDING: Record<"verify_email" | "reset_password", Record<Lang, (app: string) => Wording>> = {
  verify_email: {
    en: (app) => ({
      subject: `Confirm your email for ${app}`,
      intro: `Confirm your email address for ${app}`,
      note: "The link works for 3 days. If you did not sign up, ignore this message.",
      action: "Confirm email",
    }),
    id: (app) => ({
      subject: `Konfirmasi email Anda untuk ${app}`,
      intro: `Konfirmasi alamat email Anda untuk ${app}`,
      note: "Tautan berlaku 3 hari. Jika Anda tidak mendaftar, abaikan email ini.",
      action: "Konfirmasi email",
    }),
  },
  reset_password: {
    en: (app) => ({
      subject: `Reset your ${app} password`,
      intro: `Choose a new password for ${app}`,
      note: "The link works once, for 1 hour. If you did not ask for it, ignore this message.",
      action: "Choose a password",
    }),
    id: (app) => ({
      subject: `Atur ulang kata sandi ${app}`,
      intro: `Atur kata sandi baru untuk ${app}`,
      note: "Tautan berlaku 1 jam dan hanya sekali pakai. Jika Anda tidak memintanya, abaikan email ini.",
      action: "Atur kata sandi",
    }),
  },
};

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function linkMail(kind: keyof typeof WORDING, lang: Lang, appName: string, link: string): Mail {
  const w = WORDING[kind][lang](appName);
  const body = `${GREETING[lang]}\n\n${w.intro} ${BY_OPENING[lang]}\n\n${link}\n\n${w.note}\n`;
  const html =
    `<!doctype html><html lang="${lang}"><body style="font-family:system-ui,sans-serif;line-height:1.5">` +
    `<p>${escape(GREETING[lang])}</p><p>${escape(w.intro)}.</p><p>${escape(w.note)}</p>` +
    `<p><a href="${escape(link)}" style="background:#0b6e4f;color:#fff;padding:10px 16px;border-radius:6px;` +
    `text-decoration:none;display:inline-block">${escape(w.action)}</a></p>` +
    `<p style="color:#5d6068;font-size:13px">${escape(link)}</p></body></html>`;
  return { kind, subject: w.subject, body, html };
}

export const verificationMail = (lang: Lang, appName: string, link: string) =>
  linkMail("verify_email", lang, appName, link);

export const resetMail = (lang: Lang, appName: string, link: string) =>
  linkMail("reset_password", lang, appName, link);
