/** The mail the hosted login sends, in the person's language, as plain text (no tracking, no remote images). */
import type { Lang } from "./i18n.ts";

export type Mail = { subject: string; body: string; kind: string };

export function verificationMail(lang: Lang, appName: string, link: string): Mail {
  return lang === "id"
    ? {
      kind: "verify_email",
      subject: `Konfirmasi email Anda untuk ${appName}`,
      body:
        `Halo,\n\nKonfirmasi alamat email Anda untuk ${appName} dengan membuka tautan ini:\n\n${link}\n\n` +
        `Tautan berlaku 3 hari. Jika Anda tidak mendaftar, abaikan email ini.\n`,
    }
    : {
      kind: "verify_email",
      subject: `Confirm your email for ${appName}`,
      body: `Hello,\n\nConfirm your email address for ${appName} by opening this link:\n\n${link}\n\n` +
        `The link works for 3 days. If you did not sign up, ignore this message.\n`,
    };
}

export function resetMail(lang: Lang, appName: string, link: string): Mail {
  return lang === "id"
    ? {
      kind: "reset_password",
      subject: `Atur ulang kata sandi ${appName}`,
      body: `Halo,\n\nAtur kata sandi baru untuk ${appName} dengan membuka tautan ini:\n\n${link}\n\n` +
        `Tautan berlaku 1 jam dan hanya sekali pakai. Jika Anda tidak memintanya, abaikan email ini.\n`,
    }
    : {
      kind: "reset_password",
      subject: `Reset your ${appName} password`,
      body: `Hello,\n\nChoose a new password for ${appName} by opening this link:\n\n${link}\n\n` +
        `The link works once, for 1 hour. If you did not ask for it, ignore this message.\n`,
    };
}
