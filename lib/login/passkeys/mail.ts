/**
 * What Astapa tells a person when one of their passkeys is removed: by themselves on /auth/passkeys (in their
 * language), or by an administrator on the dashboard (English then Indonesian in one message, as the factors
 * reset does, since the dashboard does not know the person's language). Text and HTML, no link and no key
 * material; the key's name in the body only, never in the subject (the person chose it: it is cleaned first).
 */
import type { Lang } from "../i18n.ts";
import { inBothLanguages, type Wording } from "@/lib/mail/both_languages.ts";
import { escapeHtml, mailDocument } from "@/lib/mail/layout.ts";
import { type MailTextKind, ownMailTexts } from "@/lib/mail/own_texts.ts";

export type PasskeyMail = { template: string; subject: string; text: string; html?: string };

/** The longest passkey name a mail quotes, in characters (what /auth/passkeys lets a person type). */
export const MAILED_NAME_LENGTH = 64;

/**
 * A passkey's name as a mail quotes it: no control or format characters (a newline cannot start a line of its
 * own, a bidi override cannot reorder the sentence), spaces collapsed, at most MAILED_NAME_LENGTH characters.
 */
export function mailedPasskeyName(name: string): string {
  const cleaned = name.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ").replace(/\s+/g, " ").trim();
  const chars = Array.from(cleaned);
  if (chars.length === 0) return "Passkey"; // what /auth/passkeys names a key left unnamed
  return chars.length > MAILED_NAME_LENGTH ? `${chars.slice(0, MAILED_NAME_LENGTH - 1).join("")}…` : cleaned;
}

/** Paragraphs of plain text (already holding the quoted name) as the inner HTML of a mail, escaped. */
const asHtml = (paragraphs: string[]) => paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("");

type Words = Wording & { html: string };
/** A mail's subject and paragraphs: the greeting, the intro, then Astapa's note on what to do. */
type Paragraphs = { subject: string; paragraphs: [string, string, string] };

function wording(subject: string, paragraphs: [string, string, string]): Paragraphs {
  return { subject, paragraphs };
}

/** The words as sent: the project's own subject, intro and closing where set (settings.mail_texts). */
function worded(
  kind: MailTextKind,
  lang: Lang,
  { subject, paragraphs: [hello, intro, note] }: Paragraphs,
  settings: Record<string, unknown> | undefined,
  values: { app: string; passkey: string },
): Words {
  const own = ownMailTexts(settings, kind, lang, values);
  const paragraphs = [hello, own.intro ?? intro, note, ...(own.closing ? [own.closing] : [])];
  return { subject: own.subject ?? subject, text: `${paragraphs.join("\n\n")}\n`, html: asHtml(paragraphs) };
}

const REMOVED: Record<Lang, (app: string, key: string) => Paragraphs> = {
  en: (app, key) =>
    wording(`A passkey was removed from your ${app} account`, [
      "Hello,",
      `Your passkey “${key}” was removed from your ${app} account. It can no longer be used to sign in.`,
      "If this was not you, change your password and contact the app's support.",
    ]),
  id: (app, key) =>
    wording(`Sebuah passkey dihapus dari akun ${app} Anda`, [
      "Halo,",
      `Passkey Anda “${key}” dihapus dari akun ${app} Anda. Passkey itu tidak bisa dipakai lagi untuk masuk.`,
      "Jika itu bukan Anda, ganti kata sandi Anda dan hubungi dukungan aplikasi.",
    ]),
};

const REMOVED_BY_ADMIN: Record<Lang, (app: string, key: string) => Paragraphs> = {
  en: (app, key) =>
    wording(`A passkey was removed from your ${app} account`, [
      "Hello,",
      `An administrator of ${app} removed your passkey “${key}” from your account. It can no longer be used ` +
      "to sign in; you can add a new passkey to your account.",
      "If you did not ask for this, contact the app's support.",
    ]),
  id: (app, key) =>
    wording(`Sebuah passkey dihapus dari akun ${app} Anda`, [
      "Halo,",
      `Administrator ${app} menghapus passkey Anda “${key}” dari akun Anda. Passkey itu tidak bisa dipakai ` +
      "lagi untuk masuk; Anda bisa menambahkan passkey baru ke akun Anda.",
      "Jika Anda tidak memintanya, hubungi dukungan aplikasi.",
    ]),
};

/** Sent when the person removes one of their own passkeys, in the page's language. */
export function passkeyRemovedMail(
  lang: Lang,
  appName: string,
  passkeyName: string,
  settings?: Record<string, unknown>,
): PasskeyMail {
  const key = mailedPasskeyName(passkeyName);
  const values = { app: appName, passkey: key };
  const { subject, text, html } = worded(
    "passkey_removed",
    lang,
    REMOVED[lang](appName, key),
    settings,
    values,
  );
  return { template: "passkey_removed", subject, text, html: mailDocument(lang, html) };
}

/** Sent when an administrator removes one of a person's passkeys (English, then Indonesian). */
export function passkeyRemovedByAdminMail(
  appName: string,
  passkeyName: string,
  settings?: Record<string, unknown>,
): PasskeyMail {
  const key = mailedPasskeyName(passkeyName);
  const values = { app: appName, passkey: key };
  const inLang = (lang: Lang) =>
    worded("passkey_removed_by_admin", lang, REMOVED_BY_ADMIN[lang](appName, key), settings, values);
  return inBothLanguages("passkey_removed", inLang("en"), inLang("id"));
}
