/**
 * What Astapa tells a person whose code sign-in claimed an account (astapa.claim_unproven_account): the address
 * is now confirmed as theirs, and what was on the account before — which anyone could have set up — was
 * removed. In their language, plain text and HTML, no link and nothing secret.
 */
import { z } from "zod";
import type { Lang } from "./i18n.ts";
import type { Mail } from "./mail.ts";
import { escapeHtml as escape, mailDocument } from "@/lib/mail/layout.ts";

/** The counts the claim returns per kind removed (db/api/users.sql). */
export const Removed = z.object({
  password: z.number().int().default(0),
  passkeys: z.number().int().default(0),
  factors: z.number().int().default(0),
  identities: z.number().int().default(0),
  sessions: z.number().int().default(0),
  refresh_tokens: z.number().int().default(0),
  device_authorizations: z.number().int().default(0),
  phone_number: z.number().int().default(0),
}).passthrough();
export type Removed = z.infer<typeof Removed>;

const WORDING = {
  en: {
    subject: (app: string) => `Your email is confirmed for ${app}`,
    intro: (app: string) =>
      `You signed in to ${app} with a code sent to this address, which confirms it is yours. It had not been ` +
      "confirmed before, so in case someone else set them up, these were removed from the account:",
    password: "its password",
    passkeys: (n: number) => (n === 1 ? "a passkey" : `${n} passkeys`),
    factors: "two-step verification",
    identities: "linked Google or GitHub sign-in",
    phone: "a phone number nobody had confirmed",
    sessions: "every other sign-in (browsers and apps)",
    after:
      "If you set these up yourself, add them again from your account page. If you did not just sign in, " +
      "contact the app's support.",
  },
  id: {
    subject: (app: string) => `Email Anda terkonfirmasi untuk ${app}`,
    intro: (app: string) =>
      `Anda masuk ke ${app} dengan kode yang dikirim ke alamat ini, jadi alamat ini terbukti milik Anda. ` +
      "Sebelumnya alamat ini belum dikonfirmasi, jadi, kalau-kalau orang lain yang memasangnya, hal berikut " +
      "dihapus dari akun:",
    password: "kata sandinya",
    passkeys: (n: number) => (n === 1 ? "sebuah passkey" : `${n} passkey`),
    factors: "verifikasi dua langkah",
    identities: "masuk dengan Google atau GitHub yang tertaut",
    phone: "nomor telepon yang belum pernah dikonfirmasi",
    sessions: "semua sesi masuk lainnya (peramban dan aplikasi)",
    after:
      "Jika Anda sendiri yang memasangnya, tambahkan lagi dari halaman akun Anda. Jika Anda tidak baru saja " +
      "masuk, hubungi dukungan aplikasi.",
  },
};

/** The notice for a claimed account: the kinds removed, as a list. */
export function claimedMail(lang: Lang, appName: string, removed: Removed): Mail {
  const w = WORDING[lang];
  const items = [
    removed.password > 0 ? w.password : null,
    removed.passkeys > 0 ? w.passkeys(removed.passkeys) : null,
    removed.factors > 0 ? w.factors : null,
    removed.identities > 0 ? w.identities : null,
    removed.phone_number > 0 ? w.phone : null,
    // A device approved and not yet signed in is one of those sign-ins (apps) too.
    removed.sessions + removed.refresh_tokens + removed.device_authorizations > 0 ? w.sessions : null,
  ].filter((item): item is string => item !== null);
  const hello = lang === "id" ? "Halo," : "Hello,";
  const intro = w.intro(appName);
  const body = `${hello}\n\n${intro}\n\n${items.map((item) => `- ${item}`).join("\n")}\n\n${w.after}\n`;
  const html = mailDocument(
    lang,
    `<p>${escape(hello)}</p><p>${escape(intro)}</p><ul>${
      items.map((item) => `<li>${escape(item)}</li>`).join("")
    }</ul><p>${escape(w.after)}</p>`,
  );
  return { kind: "account_claimed", subject: w.subject(appName), body, html };
}
