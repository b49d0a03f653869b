/**
 * The mail that proves an address on a passkeys-only project's sign-up: the 6-digit code, in the person's
 * language, and what comes next (a passkey). Plain text and HTML (lib/mail/layout.ts), no link, no tracking.
 */
import type { Lang } from "./i18n.ts";
import type { Mail } from "./mail.ts";
import { escapeHtml as escape, mailDocument } from "@/lib/mail/layout.ts";
import { ownMailTexts } from "@/lib/mail/own_texts.ts";

const WORDING = {
  en: (app: string) => ({
    subject: `Your code to create an account on ${app}`,
    intro: `Your code to create an account on ${app}:`,
    note: "Enter it on the sign-up page, then add a passkey. The code works once, for 10 minutes. " +
      "If you did not ask to sign up, ignore this message.",
  }),
  id: (app: string) => ({
    subject: `Kode Anda untuk membuat akun di ${app}`,
    intro: `Kode Anda untuk membuat akun di ${app}:`,
    note: "Masukkan di halaman pendaftaran, lalu tambahkan passkey. Kode berlaku sekali, selama 10 menit. " +
      "Jika Anda tidak mendaftar, abaikan email ini.",
  }),
};

/** The sign-up code mail; `settings`: the project's, for its own texts (settings.mail_texts). */
export function passkeySignUpMail(
  lang: Lang,
  appName: string,
  code: string,
  settings?: Record<string, unknown>,
): Mail {
  const { closing, ...own } = ownMailTexts(settings, "passkey_sign_up", lang, { app: appName, code });
  const w = { ...WORDING[lang](appName), ...own };
  const hello = lang === "id" ? "Halo," : "Hello,";
  const body = `${hello}\n\n${w.intro}\n\n    ${code}\n\n${w.note}\n` + (closing ? `\n${closing}\n` : "");
  const html = mailDocument(
    lang,
    `<p>${escape(hello)}</p><p>${escape(w.intro)}</p>` +
      `<p style="font-size:28px;letter-spacing:6px;font-weight:bold">${escape(code)}</p>` +
      `<p>${escape(w.note)}</p>` + (closing ? `<p>${escape(closing)}</p>` : ""),
  );
  return { kind: "passkey_sign_up", subject: w.subject, body, html };
}
