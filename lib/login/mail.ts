/**
 * The mail the hosted login sends, in the person's language: plain text and HTML (lib/mail/layout.ts), no
 * tracking or remote images. A project may replace the subject and intro and add a closing line per language
 * (settings.mail_texts, lib/mail/own_texts.ts); the link and the note on how long it works stay Astapa's.
 */
import type { Lang } from "./i18n.ts";
import { escapeHtml as escape, mailDocument, WRAPPING } from "@/lib/mail/layout.ts";
import { brandingOf } from "@/lib/branding/brand.ts";
import { MAIL_ACCENT } from "@/lib/branding/mail.ts";
import { ownMailTexts } from "@/lib/mail/own_texts.ts";

export type Mail = { subject: string; body: string; html: string; kind: string };

type Wording = { subject: string; intro: string; note: string; action: string };

const GREETING: Record<Lang, string> = { en: "Hello,", id: "Halo," };
const BY_OPENING: Record<Lang, string> = { en: "by opening this link:", id: "dengan membuka tautan ini:" };

const WORDING: Record<"verify_email" | "reset_password", Record<Lang, (app: string) => Wording>> = {
  verify_email: {
    en: (app) => ({
      subject: `Confirm your email for ${app}`,
      intro: `Confirm your email address for ${app}`,
      note:
        "The link works for 3 days. If you did not sign up, someone typed your address: ignore this message, or " +
        "open the link and answer that you did not, to take the account.",
      action: "Confirm email",
    }),
    id: (app) => ({
      subject: `Konfirmasi email Anda untuk ${app}`,
      intro: `Konfirmasi alamat email Anda untuk ${app}`,
      note:
        "Tautan berlaku 3 hari. Jika Anda tidak mendaftar, seseorang mengetik alamat Anda: abaikan email ini, " +
        "atau buka tautannya dan jawab bahwa Anda tidak mendaftar, untuk mengambil alih akun itu.",
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

export type MailKind = keyof typeof WORDING;

/** The project this mail speaks for: its name, and its settings (branding, its own mail texts). */
export type MailProject = { name: string; settings: Record<string, unknown> };

function linkMail(kind: MailKind, lang: Lang, project: MailProject, link: string): Mail {
  const name = brandingOf(project.settings).display_name ?? project.name;
  const { closing, ...own } = ownMailTexts(project.settings, kind, lang, { app: name });
  const w = { ...WORDING[kind][lang](name), ...own };
  const intro = w.intro.replace(/[.!?]$/, "");
  const body = `${GREETING[lang]}\n\n${intro} ${BY_OPENING[lang]}\n\n${link}\n\n${w.note}\n` +
    (closing ? `\n${closing}\n` : "");
  const html = mailDocument(
    lang,
    `<p>${escape(GREETING[lang])}</p><p>${escape(intro)}.</p><p>${escape(w.note)}</p>` +
      `<p><a href="${
        escape(link)
      }" style="background:${MAIL_ACCENT};color:#fff;padding:10px 16px;border-radius:6px;` +
      `text-decoration:none;display:inline-block">${escape(w.action)}</a></p>` +
      `<p style="color:#5d6068;font-size:13px;${WRAPPING}">${escape(link)}</p>` +
      (closing ? `<p>${escape(closing)}</p>` : ""),
  );
  return { kind, subject: w.subject, body, html };
}

export const verificationMail = (lang: Lang, project: MailProject, link: string) =>
  linkMail("verify_email", lang, project, link);

export const resetMail = (lang: Lang, project: MailProject, link: string) =>
  linkMail("reset_password", lang, project, link);
