/**
 * What Astapa tells a person about their second factor, in their language: a recovery code was used (someone
 * holding it signed in), an administrator removed their factors, or they changed their own. Plain text; never a code.
 * A project may word the subject and intro and add a closing line (settings.mail_texts); the note on what to do
 * if it was not them stays Astapa's.
 */
import type { Lang } from "../i18n.ts";
import { type MailTextKind, ownMailTexts } from "@/lib/mail/own_texts.ts";
import { inBothLanguages } from "@/lib/mail/both_languages.ts";

export type FactorMail = { template: string; subject: string; text: string };

type Words = { subject: string; intro: string; note: string };

const WORDING = {
  recovery_code_used: {
    en: (app: string, left: number) => ({
      subject: `A recovery code was used to sign in to ${app}`,
      intro:
        `Someone signed in to ${app} with one of your recovery codes. It cannot be used again; ${left} remain.`,
      note: "If this was not you, change your password and ask the app's support to reset your two-step " +
        "verification.",
    }),
    id: (app: string, left: number) => ({
      subject: `Kode pemulihan dipakai untuk masuk ke ${app}`,
      intro:
        `Seseorang masuk ke ${app} dengan salah satu kode pemulihan Anda. Kode itu tidak bisa dipakai lagi; ` +
        `tersisa ${left}.`,
      note:
        "Jika itu bukan Anda, ganti kata sandi Anda dan minta dukungan aplikasi mengatur ulang verifikasi " +
        "dua langkah Anda.",
    }),
  },
  mfa_removed: {
    en: (app: string) => ({
      subject: `Two-step verification was removed from your ${app} account`,
      intro:
        `An administrator of ${app} removed the authenticator app and recovery codes from your account. ` +
        "You can set up a new one the next time you sign in.",
      note: "If you did not ask for this, contact the app's support.",
    }),
    id: (app: string) => ({
      subject: `Verifikasi dua langkah dihapus dari akun ${app} Anda`,
      intro: `Administrator ${app} menghapus aplikasi autentikator dan kode pemulihan dari akun Anda. ` +
        "Anda bisa menyiapkan yang baru saat masuk berikutnya.",
      note: "Jika Anda tidak memintanya, hubungi dukungan aplikasi.",
    }),
  },
  recovery_codes_regenerated: {
    en: (app: string) => ({
      subject: `New recovery codes were made for your ${app} account`,
      intro: `New recovery codes were made for your ${app} account; the old ones no longer work.`,
      note: "If this was not you, change your password and ask the app's support for help.",
    }),
    id: (app: string) => ({
      subject: `Kode pemulihan baru dibuat untuk akun ${app} Anda`,
      intro: `Kode pemulihan baru dibuat untuk akun ${app} Anda; kode lama tidak berlaku lagi.`,
      note: "Jika itu bukan Anda, ganti kata sandi Anda dan minta bantuan dukungan aplikasi.",
    }),
  },
  own_mfa_removed: {
    en: (app: string) => ({
      subject: `Two-step verification was removed from your ${app} account`,
      intro: `You removed the authenticator app and recovery codes from your ${app} account.`,
      note: "If this was not you, change your password and ask the app's support for help.",
    }),
    id: (app: string) => ({
      subject: `Verifikasi dua langkah dihapus dari akun ${app} Anda`,
      intro: `Anda menghapus aplikasi autentikator dan kode pemulihan dari akun ${app} Anda.`,
      note: "Jika itu bukan Anda, ganti kata sandi Anda dan minta bantuan dukungan aplikasi.",
    }),
  },
} as const;

/** Astapa's words with the project's own subject, intro and closing where set; the note always stays. */
function factorMail(
  template: MailTextKind,
  lang: Lang,
  words: Words,
  settings: Record<string, unknown> | undefined,
  values: { app: string; remaining?: number },
): FactorMail {
  const own = ownMailTexts(settings, template, lang, values);
  const hello = lang === "id" ? "Halo," : "Hello,";
  const closing = own.closing ? `\n${own.closing}\n` : "";
  return {
    template,
    subject: own.subject ?? words.subject,
    text: `${hello}\n\n${own.intro ?? words.intro}\n\n${words.note}\n${closing}`,
  };
}

/** Sent when a recovery code signs someone in (`left`: the codes still unused after this one). */
export function recoveryCodeUsedMail(
  lang: Lang,
  appName: string,
  left: number,
  settings?: Record<string, unknown>,
): FactorMail {
  const words = WORDING.recovery_code_used[lang](appName, left);
  return factorMail("recovery_code_used", lang, words, settings, { app: appName, remaining: left });
}

/** Sent when an administrator resets a person's factors. */
export function factorsRemovedMail(
  lang: Lang,
  appName: string,
  settings?: Record<string, unknown>,
): FactorMail {
  return factorMail("mfa_removed", lang, WORDING.mfa_removed[lang](appName), settings, { app: appName });
}

/**
 * An administrator's reset (the dashboard, the Platform API), in English then Indonesian: the person's language is
 * not known there.
 */
export function factorsRemovedByAdminMail(appName: string, settings?: Record<string, unknown>) {
  const en = factorsRemovedMail("en", appName, settings);
  return inBothLanguages(en.template, en, factorsRemovedMail("id", appName, settings));
}

/** Sent when a person makes new recovery codes themselves, or removes their own app (the hosted manage page). */
export function ownFactorMail(
  lang: Lang,
  appName: string,
  action: "regenerate" | "remove",
  settings?: Record<string, unknown>,
): FactorMail {
  const template = action === "regenerate" ? "recovery_codes_regenerated" : "own_mfa_removed";
  return factorMail(template, lang, WORDING[template][lang](appName), settings, { app: appName });
}
