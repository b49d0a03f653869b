/**
 * What Astapa tells a person whose proof of their address or number claimed an account
 * (astapa.claim_unproven_account): it is now confirmed as theirs, and what was on the account before — which
 * anyone could have set up — was removed. One notice for every way that claims (an email code or link, a
 * password reset, a passkey sign-up's code, a confirmation link, a phone code), each saying how it was proven.
 * In their language, plain text and HTML, no link and nothing secret: mailed to a proven address, and shown on
 * the page after a phone code (routes/auth/phone/claimed.tsx), which has no address to mail.
 */
import { z } from "zod";
import type { Lang } from "./i18n.ts";
import type { Mail } from "./mail.ts";
import { escapeHtml as escape, mailDocument } from "@/lib/mail/layout.ts";
import { ownMailTexts } from "@/lib/mail/own_texts.ts";

/** The counts the claim returns per kind removed (db/api/users.sql). */
export const Removed = z.object({
  password: z.number().int().default(0),
  passkeys: z.number().int().default(0),
  factors: z.number().int().default(0),
  recovery_codes: z.number().int().default(0),
  identities: z.number().int().default(0),
  consents: z.number().int().default(0),
  organizations: z.number().int().default(0),
  invitations: z.number().int().default(0),
  payment_methods: z.number().int().default(0),
  sessions: z.number().int().default(0),
  refresh_tokens: z.number().int().default(0),
  authorization_codes: z.number().int().default(0),
  device_authorizations: z.number().int().default(0),
  email_changes: z.number().int().default(0),
  mfa_challenges: z.number().int().default(0),
  phone_number: z.number().int().default(0),
  email: z.number().int().default(0),
}).passthrough();
export type Removed = z.infer<typeof Removed>;

/**
 * How the address was proven: an email code or magic link, a password reset link, a passkey sign-up's code, a
 * confirmation link opened by someone who did not sign up; or the number, by a phone sign-in code (a page, never
 * a mail: its claim leaves no proven address).
 */
export type ClaimWay = "email_code" | "reset" | "passkey_sign_up" | "verify_link" | "phone_code";

/** The notice a claim sends, composed from what was removed (db/claim_notice.ts queues it). */
export type ClaimNotice = (removed: Removed) => Mail;

const WORDING = {
  en: {
    subject: (app: string) => `Your email is confirmed for ${app}`,
    proven: {
      email_code: (app: string) =>
        `You signed in to ${app} with a code sent to this address, which confirms it is yours.`,
      reset: (app: string) =>
        `You chose a new password for ${app} with a link sent to this address, which confirms it is yours.`,
      passkey_sign_up: (app: string) =>
        `You entered a code sent to this address to add a passkey on ${app}, which confirms it is yours.`,
      verify_link: (app: string) =>
        `You took the ${app} account someone had created with this address, with the confirmation link sent ` +
        "to it, which confirms it is yours.",
      phone_code: (app: string) =>
        `You signed in to ${app} with a code sent to your phone number, which confirms it is yours.`,
    },
    removed:
      "It had not been confirmed before, so in case someone else set them up, these were removed from the " +
      "account:",
    removedNumber:
      "It had not been confirmed before, so in case someone else set them up, these were removed from the " +
      "account:",
    password: { email_code: "its password", reset: "the password it had before (your new one stays)" },
    passkeys: (n: number) => (n === 1 ? "a passkey" : `${n} passkeys`),
    factors: "two-step verification",
    identities: "linked Google or GitHub sign-in",
    consents: "apps it had allowed to sign in without asking",
    organizations: (
      n: number,
    ) => (n === 1 ? "its membership of an organization" : `its membership of ${n} organizations`),
    invitations: "invitations it had sent to join an organization",
    paymentMethods: (n: number) =>
      n === 1
        ? "an e-wallet or card linked to pay renewals (it will not be charged)"
        : `${n} e-wallets or cards linked to pay renewals (none will be charged)`,
    phone: "a phone number nobody had confirmed",
    email: "an email address nobody had confirmed",
    sessions: "every other sign-in (browsers and apps)",
    emailChange: "a request to change the account's email address",
    again: "If you set these up yourself, add them again from your account page.",
    rejoin: "To be in an organization again, ask one of its admins to invite you.",
    relink: "To renew automatically, link your e-wallet or card again on the billing page.",
    notYou: {
      email_code: "If you did not just sign in, contact the app's support.",
      reset: "If you did not just reset your password, contact the app's support.",
      passkey_sign_up: "If you did not just add a passkey, contact the app's support.",
      verify_link: "If you did not just open a confirmation link, contact the app's support.",
      phone_code: "If you did not just sign in, contact the app's support.",
    },
  },
  id: {
    subject: (app: string) => `Email Anda terkonfirmasi untuk ${app}`,
    proven: {
      email_code: (app: string) =>
        `Anda masuk ke ${app} dengan kode yang dikirim ke alamat ini, jadi alamat ini terbukti milik Anda.`,
      reset: (app: string) =>
        `Anda membuat kata sandi baru untuk ${app} lewat tautan yang dikirim ke alamat ini, jadi alamat ini ` +
        "terbukti milik Anda.",
      passkey_sign_up: (app: string) =>
        `Anda memasukkan kode yang dikirim ke alamat ini untuk menambahkan passkey di ${app}, jadi alamat ini ` +
        "terbukti milik Anda.",
      verify_link: (app: string) =>
        `Anda mengambil alih akun ${app} yang dibuat seseorang dengan alamat ini, lewat tautan konfirmasi yang ` +
        "dikirim ke alamat ini, jadi alamat ini terbukti milik Anda.",
      phone_code: (app: string) =>
        `Anda masuk ke ${app} dengan kode yang dikirim ke nomor HP Anda, jadi nomor ini terbukti milik Anda.`,
    },
    removed: "Sebelumnya alamat ini belum dikonfirmasi, jadi, kalau-kalau orang lain yang memasangnya, hal " +
      "berikut dihapus dari akun:",
    removedNumber:
      "Sebelumnya nomor ini belum dikonfirmasi, jadi, kalau-kalau orang lain yang memasangnya, hal " +
      "berikut dihapus dari akun:",
    password: {
      email_code: "kata sandinya",
      reset: "kata sandi sebelumnya (kata sandi baru Anda tetap berlaku)",
    },
    passkeys: (n: number) => (n === 1 ? "sebuah passkey" : `${n} passkey`),
    factors: "verifikasi dua langkah",
    identities: "masuk dengan Google atau GitHub yang tertaut",
    consents: "aplikasi yang diizinkan masuk tanpa bertanya",
    organizations: (
      n: number,
    ) => (n === 1 ? "keanggotaannya di sebuah organisasi" : `keanggotaannya di ${n} organisasi`),
    invitations: "undangan bergabung ke organisasi yang dikirim dari akun ini",
    paymentMethods: (n: number) =>
      n === 1
        ? "sebuah e-wallet atau kartu yang ditautkan untuk membayar perpanjangan (tidak akan ditagih)"
        : `${n} e-wallet atau kartu yang ditautkan untuk membayar perpanjangan (tidak ada yang akan ditagih)`,
    phone: "nomor telepon yang belum pernah dikonfirmasi",
    email: "alamat email yang belum pernah dikonfirmasi",
    sessions: "semua sesi masuk lainnya (peramban dan aplikasi)",
    emailChange: "permintaan untuk mengganti alamat email akun",
    again: "Jika Anda sendiri yang memasangnya, tambahkan lagi dari halaman akun Anda.",
    rejoin:
      "Untuk bergabung lagi ke sebuah organisasi, minta salah satu admin organisasi itu mengundang Anda.",
    relink: "Untuk perpanjangan otomatis, tautkan lagi e-wallet atau kartu Anda di halaman tagihan.",
    notYou: {
      email_code: "Jika Anda tidak baru saja masuk, hubungi dukungan aplikasi.",
      reset: "Jika Anda tidak baru saja mengatur ulang kata sandi, hubungi dukungan aplikasi.",
      passkey_sign_up: "Jika Anda tidak baru saja menambahkan passkey, hubungi dukungan aplikasi.",
      verify_link: "Jika Anda tidak baru saja membuka tautan konfirmasi, hubungi dukungan aplikasi.",
      phone_code: "Jika Anda tidak baru saja masuk, hubungi dukungan aplikasi.",
    },
  },
};

/** A claim's notice as lines: how it was proven with what followed, the kinds removed, and what to do next. */
export type ClaimLines = { intro: string; items: string[]; after: string };

/** The notice's lines for a claimed account, shared by the mail and the phone code's page. */
export function claimLines(lang: Lang, appName: string, removed: Removed, way: ClaimWay): ClaimLines {
  const w = WORDING[lang];
  // Every count the claim returns has its line (recovery codes go with the factors, unredeemed codes with the
  // sign-ins), so a claim that removed anything never shows an empty list.
  const items = [
    removed.password > 0 ? (way === "reset" ? w.password.reset : w.password.email_code) : null,
    removed.passkeys > 0 ? w.passkeys(removed.passkeys) : null,
    removed.factors + removed.recovery_codes > 0 ? w.factors : null,
    removed.identities > 0 ? w.identities : null,
    removed.consents > 0 ? w.consents : null,
    removed.organizations > 0 ? w.organizations(removed.organizations) : null,
    removed.invitations > 0 ? w.invitations : null,
    removed.payment_methods > 0 ? w.paymentMethods(removed.payment_methods) : null,
    removed.phone_number > 0 ? w.phone : null,
    removed.email > 0 ? w.email : null,
    // Unredeemed codes, a device approved and not yet signed in and a second step half done are sign-ins too.
    removed.sessions + removed.refresh_tokens + removed.authorization_codes + removed.device_authorizations +
          removed.mfa_challenges > 0
      ? w.sessions
      : null,
    removed.email_changes > 0 ? w.emailChange : null,
  ].filter((item): item is string => item !== null);
  const before = way === "phone_code" ? w.removedNumber : w.removed;
  // An organization is joined again by an invitation from its admins, and a method linked again on the billing
  // page, not from the account page.
  const again = [
    w.again,
    removed.organizations > 0 ? w.rejoin : null,
    removed.payment_methods > 0 ? w.relink : null,
  ].filter((line) => line !== null).join(" ");
  return { intro: `${w.proven[way](appName)} ${before}`, items, after: `${again} ${w.notYou[way]}` };
}

/**
 * The notice for a claimed account: how the address was proven, then the kinds removed, as a list. `settings`
 * (the project's) may give its own subject, first sentence and closing line; the list and what to do stay.
 */
export function claimedMail(
  lang: Lang,
  appName: string,
  removed: Removed,
  way: ClaimWay = "email_code",
  settings?: Record<string, unknown>,
): Mail {
  const lines = claimLines(lang, appName, removed, way);
  const own = ownMailTexts(settings, "account_claimed", lang, { app: appName });
  const proven = WORDING[lang].proven[way](appName);
  const intro = own.intro ? `${own.intro} ${lines.intro.slice(proven.length).trim()}` : lines.intro;
  const { items, after } = lines;
  const closing = own.closing;
  const hello = lang === "id" ? "Halo," : "Hello,";
  const body = `${hello}\n\n${intro}\n\n${items.map((item) => `- ${item}`).join("\n")}\n\n${after}\n` +
    (closing ? `\n${closing}\n` : "");
  const html = mailDocument(
    lang,
    `<p>${escape(hello)}</p><p>${escape(intro)}</p><ul>${
      items.map((item) => `<li>${escape(item)}</li>`).join("")
    }</ul><p>${escape(after)}</p>` + (closing ? `<p>${escape(closing)}</p>` : ""),
  );
  return { kind: "account_claimed", subject: own.subject ?? WORDING[lang].subject(appName), body, html };
}

/** The notice a claiming page passes down: in the person's language, under the app's name, for its way. */
export function claimNotice(
  lang: Lang,
  appName: string,
  way: Exclude<ClaimWay, "phone_code">,
  settings?: Record<string, unknown>,
): ClaimNotice {
  return (removed) => claimedMail(lang, appName, removed, way, settings);
}
