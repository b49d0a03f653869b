/**
 * What the account page mails a person, in their language, plain text: the link that confirms a new address,
 * the notice to the old address once it changed, a changed password, and a deleted account. A project may word
 * the subject and the first paragraph after the greeting and add a closing line (settings.mail_texts); the link
 * and the note on what to do if it was not them stay Astapa's.
 */
import type { Lang } from "@/lib/login/i18n.ts";
import type { AccountMail } from "@/db/account.ts";
import { PROVIDER_NAMES, type ProviderId } from "@/lib/login/social/providers.ts";
import { type MailTextKind, type MailTextValues, ownMailTexts } from "@/lib/mail/own_texts.ts";

const WORDING = {
  email_change: {
    en: (app: string, link: string) => ({
      subject: `Confirm your new email for ${app}`,
      text:
        `Hello,\n\nSomeone signed in to ${app} asked to use this address for their account. Confirm it by ` +
        `opening this link:\n\n${link}\n\nThe link works once, for 1 hour. If you did not ask for it, ignore this message.\n`,
    }),
    id: (app: string, link: string) => ({
      subject: `Konfirmasi email baru Anda untuk ${app}`,
      text:
        `Halo,\n\nSeseorang yang masuk ke ${app} meminta memakai alamat ini untuk akunnya. Konfirmasi dengan ` +
        `membuka tautan ini:\n\n${link}\n\nTautan berlaku 1 jam dan hanya sekali pakai. Jika Anda tidak ` +
        `memintanya, abaikan email ini.\n`,
    }),
  },
  email_changed: {
    en: (app: string) => ({
      subject: `The email of your ${app} account was changed`,
      text:
        `Hello,\n\nThe email address of your ${app} account was changed, and this address no longer signs ` +
        `in to it.\n\nIf this was not you, contact the app's support at once.\n`,
    }),
    id: (app: string) => ({
      subject: `Email akun ${app} Anda telah diubah`,
      text: `Halo,\n\nAlamat email akun ${app} Anda telah diubah, dan alamat ini tidak lagi dipakai untuk ` +
        `masuk.\n\nJika itu bukan Anda, segera hubungi dukungan aplikasi.\n`,
    }),
  },
  password_changed: {
    en: (app: string) => ({
      subject: `Your ${app} password was changed`,
      text:
        `Hello,\n\nThe password of your ${app} account was changed (or set), and your other browsers were ` +
        `signed out.\n\nIf this was not you, reset your password and contact the app's support.\n`,
    }),
    id: (app: string) => ({
      subject: `Kata sandi ${app} Anda telah diubah`,
      text: `Halo,\n\nKata sandi akun ${app} Anda telah diubah (atau dibuat), dan peramban Anda yang lain ` +
        `telah dikeluarkan.\n\nJika itu bukan Anda, atur ulang kata sandi Anda dan hubungi dukungan aplikasi.\n`,
    }),
  },
  identity_unlinked: {
    en: (app: string, provider: string) => ({
      subject: `${provider} was removed from your ${app} account`,
      text: `Hello,\n\n${provider} no longer signs you in to ${app}.\n\nIf this was not you, change your ` +
        `password and contact the app's support.\n`,
    }),
    id: (app: string, provider: string) => ({
      subject: `${provider} dihapus dari akun ${app} Anda`,
      text: `Halo,\n\n${provider} tidak lagi dipakai untuk masuk ke ${app}.\n\nJika itu bukan Anda, ganti ` +
        `kata sandi Anda dan hubungi dukungan aplikasi.\n`,
    }),
  },
  account_deleted: {
    en: (app: string) => ({
      subject: `Your ${app} account was deleted`,
      text:
        `Hello,\n\nYour ${app} account was deleted at your request. Your personal data was erased; records ` +
        `of payments are kept without your name or email.\n\nThis is the last message we send to this address.\n`,
    }),
    id: (app: string) => ({
      subject: `Akun ${app} Anda telah dihapus`,
      text:
        `Halo,\n\nAkun ${app} Anda telah dihapus atas permintaan Anda. Data pribadi Anda telah dihapus; ` +
        `catatan pembayaran disimpan tanpa nama atau email Anda.\n\nIni pesan terakhir kami ke alamat ini.\n`,
    }),
  },
} as const;

type Settings = Record<string, unknown> | undefined;

/** Astapa's words with the project's own subject, first paragraph after the greeting and closing, where set. */
function worded(
  template: MailTextKind,
  lang: Lang,
  words: { subject: string; text: string },
  settings: Settings,
  values: MailTextValues,
): AccountMail {
  const own = ownMailTexts(settings, template, lang, values);
  const paragraphs = words.text.trimEnd().split("\n\n");
  if (own.intro) paragraphs[1] = own.intro;
  if (own.closing) paragraphs.push(own.closing);
  return { template, subject: own.subject ?? words.subject, text: `${paragraphs.join("\n\n")}\n` };
}

/** To the new address: the link that makes it the account's email. */
export function emailChangeMail(lang: Lang, app: string, link: string, settings?: Settings): AccountMail {
  return worded("email_change", lang, WORDING.email_change[lang](app, link), settings, { app });
}

/** To the old address, once the change took effect. */
export function emailChangedMail(lang: Lang, app: string, settings?: Settings): AccountMail {
  return worded("email_changed", lang, WORDING.email_changed[lang](app), settings, { app });
}

export function passwordChangedMail(lang: Lang, app: string, settings?: Settings): AccountMail {
  return worded("password_changed", lang, WORDING.password_changed[lang](app), settings, { app });
}

/** A Google, GitHub or Apple identity no longer signs the person in. */
export function identityUnlinkedMail(
  lang: Lang,
  app: string,
  provider: ProviderId,
  settings?: Settings,
): AccountMail {
  const name = PROVIDER_NAMES[provider];
  const words = WORDING.identity_unlinked[lang](app, name);
  return worded("identity_unlinked", lang, words, settings, { app, provider: name });
}

export function accountDeletedMail(lang: Lang, app: string, settings?: Settings): AccountMail {
  return worded("account_deleted", lang, WORDING.account_deleted[lang](app), settings, { app });
}
