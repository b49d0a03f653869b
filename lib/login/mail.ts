/** The mail the hosted login sends, in the person's language, as plain text (no tracking, no remote images). */
import type { Lang } from "./i18n.ts";

export type Mail = { subject: string; body: string; html: string; kind: string };

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The HTML part: the same words, the link as a button, no remote images or tracking. */
function html(lang: Lang, greeting: string, lines: string[], link: string, action: string): string {
  return `<!doctype html><html lang="${lang}"><body style="font-family:system-ui,sans-serif;line-height:1.5">` +
    `<p>${escape(greeting)}</p>${lines.map((line) => `<p>${escape(line)}</p>`).join("")}` +
    `<p><a href="${escape(link)}" style="background:#0b6e4f;color:#fff;padding:10px 16px;border-radius:6px;` +
    `text-decoration:none;display:inline-block">${escape(action)}</a></p>` +
    `<p style="color:#5d6068;font-size:13px">${escape(link)}</p></body></html>`;
}

export function verificationMail(lang: Lang, appName: string, link: string): Mail {
  const id = lang === "id";
  const lines = id
    ? [
      `Konfirmasi alamat email Anda untuk ${appName}.`,
      "Tautan berlaku 3 hari. Jika Anda tidak mendaftar, abaikan email ini.",
    ]
    : [
      `Confirm your email address for ${appName}.`,
      "The link works for 3 days. If you did not sign up, ignore this message.",
    ];
  const part = html(lang, id ? "Halo," : "Hello,", lines, link, id ? "Konfirmasi email" : "Confirm email");
  return id
    ? {
      html: part,
      kind: "verify_email",
      subject: `Konfirmasi email Anda untuk ${appName}`,
      body:
        `Halo,\n\nKonfirmasi alamat email Anda untuk ${appName} dengan membuka tautan ini:\n\n${link}\n\n` +
        `Tautan berlaku 3 hari. Jika Anda tidak mendaftar, abaikan email ini.\n`,
    }
    : {
      html: part,
      kind: "verify_email",
      subject: `Confirm your email for ${appName}`,
      body: `Hello,\n\nConfirm your email address for ${appName} by opening this link:\n\n${link}\n\n` +
        `The link works for 3 days. If you did not sign up, ignore this message.\n`,
    };
}

export function resetMail(lang: Lang, appName: string, link: string): Mail {
  const id = lang === "id";
  const lines = id
    ? [
      `Atur kata sandi baru untuk ${appName}.`,
      "Tautan berlaku 1 jam dan hanya sekali pakai. Jika Anda tidak memintanya, abaikan email ini.",
    ]
    : [
      `Choose a new password for ${appName}.`,
      "The link works once, for 1 hour. If you did not ask for it, ignore this message.",
    ];
  const part = html(lang, id ? "Halo," : "Hello,", lines, link, id ? "Atur kata sandi" : "Choose a password");
  return id
    ? {
      html: part,
      kind: "reset_password",
      subject: `Atur ulang kata sandi ${appName}`,
      body: `Halo,\n\nAtur kata sandi baru untuk ${appName} dengan membuka tautan ini:\n\n${link}\n\n` +
        `Tautan berlaku 1 jam dan hanya sekali pakai. Jika Anda tidak memintanya, abaikan email ini.\n`,
    }
    : {
      html: part,
      kind: "reset_password",
      subject: `Reset your ${appName} password`,
      body: `Hello,\n\nChoose a new password for ${appName} by opening this link:\n\n${link}\n\n` +
        `The link works once, for 1 hour. If you did not ask for it, ignore this message.\n`,
    };
}
