/**
 * The sign-in code mail: the 6-digit code and, in the same mail, a magic link that does the same, in the
 * person's language. Plain text and HTML (lib/mail/layout.ts), no tracking.
 */
import type { Lang } from "./i18n.ts";
import type { Mail } from "./mail.ts";
import { escapeHtml as escape, mailDocument, WRAPPING } from "@/lib/mail/layout.ts";
import { ownMailTexts } from "@/lib/mail/own_texts.ts";

const WORDING = {
  en: (app: string) => ({
    subject: `Your sign-in code for ${app}`,
    intro: `Your code to sign in to ${app}:`,
    link: "Or sign in by opening this link:",
    note:
      "The code and the link work once, for 10 minutes. If you did not ask to sign in, ignore this message.",
    action: "Sign in",
  }),
  id: (app: string) => ({
    subject: `Kode masuk Anda untuk ${app}`,
    intro: `Kode Anda untuk masuk ke ${app}:`,
    link: "Atau masuk dengan membuka tautan ini:",
    note:
      "Kode dan tautan berlaku sekali, selama 10 menit. Jika Anda tidak meminta masuk, abaikan email ini.",
    action: "Masuk",
  }),
};

/** The code mail; `settings`: the project's, for its own subject, intro and closing (settings.mail_texts). */
export function emailCodeMail(
  lang: Lang,
  appName: string,
  code: string,
  link: string,
  settings?: Record<string, unknown>,
): Mail {
  const { closing, ...own } = ownMailTexts(settings, "email_code", lang, { app: appName, code });
  const w = { ...WORDING[lang](appName), ...own };
  const hello = lang === "id" ? "Halo," : "Hello,";
  const body = `${hello}\n\n${w.intro}\n\n    ${code}\n\n${w.link}\n\n${link}\n\n${w.note}\n` +
    (closing ? `\n${closing}\n` : "");
  const html = mailDocument(
    lang,
    `<p>${escape(hello)}</p><p>${escape(w.intro)}</p>` +
      `<p style="font-size:28px;letter-spacing:6px;font-weight:bold">${escape(code)}</p>` +
      `<p>${escape(w.link)}</p><p><a href="${escape(link)}" style="background:#0b6e4f;color:#fff;` +
      `padding:10px 16px;border-radius:6px;text-decoration:none;display:inline-block">${
        escape(w.action)
      }</a></p>` +
      `<p style="color:#5d6068;font-size:13px;${WRAPPING}">${escape(link)}</p><p>${escape(w.note)}</p>` +
      (closing ? `<p>${escape(closing)}</p>` : ""),
  );
  return { kind: "email_code", subject: w.subject, body, html };
}
