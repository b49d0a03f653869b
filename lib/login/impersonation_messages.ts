/** The /auth/impersonate page's words, in English and Bahasa Indonesia (the hosted login's other words: i18n.ts). */
import type { Lang } from "./i18n.ts";

const en = {
  title: "Sign in as a user",
  ask: "Sign in to {app} as {email}, acting as {actor}, until {time}?",
  askNote:
    "Whatever you do there is done in this person's account and recorded. Any account signed in to {app} in this browser is signed out first.",
  open: "Sign in as this user",
  openedTitle: "Signed in as a user",
  opened: "You are signed in as {email} for {app} until {time}, acting as {actor}.",
  openedNote: "The app sees that you act for this person, and this ends by itself at {time}.",
  endedOther: "The account that was signed in to {app} in this browser was signed out first.",
  endedSame: "This person's own session in this browser was signed out first.",
  toApp: "Go to {app}",
  expiredTitle: "This link no longer works",
  expired:
    "This sign-in link is unknown, was already used, or has expired (links work once, for 5 minutes). Ask for a new one.",
  staleForm: "This form expired. Please try again.",
  signInAgainTitle: "Support cannot sign in again as this person",
  signInAgain:
    "{app} asked for a fresh sign-in, but this browser was signed in as the person by support staff, who cannot " +
    "present the person's password or other factors. Ask for a new sign-in link to act as this person again.",
  noEmail: "this user",
  language: "Bahasa Indonesia",
};

const id: typeof en = {
  title: "Masuk sebagai pengguna",
  ask: "Masuk ke {app} sebagai {email}, bertindak sebagai {actor}, sampai {time}?",
  askNote:
    "Apa pun yang Anda lakukan di sana dilakukan di akun orang ini dan dicatat. Akun lain yang masuk ke {app} di browser ini dikeluarkan lebih dulu.",
  open: "Masuk sebagai pengguna ini",
  openedTitle: "Masuk sebagai pengguna",
  opened: "Anda masuk sebagai {email} untuk {app} sampai {time}, bertindak sebagai {actor}.",
  openedNote: "Aplikasi tahu bahwa Anda bertindak untuk orang ini, dan ini berakhir sendiri pada {time}.",
  endedOther: "Akun yang sebelumnya masuk ke {app} di browser ini sudah dikeluarkan lebih dulu.",
  endedSame: "Sesi milik orang ini sendiri di browser ini sudah dikeluarkan lebih dulu.",
  toApp: "Buka {app}",
  expiredTitle: "Tautan ini tidak berlaku lagi",
  expired:
    "Tautan masuk ini tidak dikenal, sudah dipakai, atau kedaluwarsa (tautan hanya berlaku sekali, selama 5 menit). Minta tautan baru.",
  staleForm: "Formulir ini kedaluwarsa. Silakan coba lagi.",
  signInAgainTitle: "Tim dukungan tidak dapat masuk lagi sebagai orang ini",
  signInAgain:
    "{app} meminta masuk ulang, tetapi browser ini dimasukkan sebagai orang ini oleh tim dukungan, yang tidak dapat " +
    "memberikan kata sandi atau faktor lain milik orang ini. Minta tautan masuk baru untuk bertindak sebagai orang " +
    "ini lagi.",
  noEmail: "pengguna ini",
  language: "English",
};

export const IMPERSONATION_MESSAGES: Record<Lang, typeof en> = { en, id };

/** `{name}` placeholders filled in (the page escapes the result as text). */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** A time as the page shows it: hours and minutes in UTC, in the page's language. */
export function clockTime(iso: string, lang: Lang): string {
  const time = new Intl.DateTimeFormat(lang === "id" ? "id-ID" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
  }).format(new Date(iso));
  return `${time} UTC`;
}
